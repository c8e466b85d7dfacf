import { describeConcurrentContract, describeEventStoreContract, type ContractTarget } from '../contract/event-store-contract';
import { PostgresEventStore } from './postgres-event-store';
import { dropSchema, openTestPg, rawClient, uniqueSchema } from '../../../../test/support/databases';

/** The contract on a real PostgreSQL server over real connections. */
async function serverTarget(): Promise<ContractTarget> {
  const schema = uniqueSchema('es');
  const db = await openTestPg(schema);
  const store = await PostgresEventStore.create(db);
  return {
    store,
    concurrentWriters: true,
    eventIdsUniqueAcrossStreams: true,
    jumpPositionsBeyondSafeInteger: async () => {
      await db.query(`select setval('events_global_position_seq', 9007199254740993)`);
    },
    openUncommittedAppend: async (stream, event) => {
      const client = await rawClient(schema);
      await client.query('begin');
      await client.query(
        `insert into events (stream_id, stream_revision, event_id, event_type, data, metadata) values ($1, 0, $2, $3, $4, $5)`,
        [stream, event.id, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata)],
      );
      return {
        commit: async () => {
          await client.query('commit');
          await client.end();
        },
      };
    },
    cleanup: async () => {
      await store.close();
      await db.close();
      await dropSchema(schema);
    },
  };
}

describeEventStoreContract('PostgreSQL server', serverTarget);
describeConcurrentContract('PostgreSQL server', serverTarget);
