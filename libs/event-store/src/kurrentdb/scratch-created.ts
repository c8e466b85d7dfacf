import { randomUUID } from 'node:crypto';
import { KurrentDbProtocolSimulator } from './kurrentdb-simulator';
import { KurrentDbEventStore } from './kurrentdb-event-store';
const newEvent = () => ({ id: randomUUID(), type: 'SomethingHappened', data: {}, metadata: { correlationId: 'c-1' } });
import type { RecordedEvent } from '../event-store.port';
(async () => {
  const sim = new KurrentDbProtocolSimulator();
  const { url } = await sim.start();
  const store = await KurrentDbEventStore.connect(url);
  const stream = `project-${randomUUID().slice(0, 8)}`;
  const seen: RecordedEvent[] = [];
  const sub = store.subscribeToAll(async (b) => void seen.push(...b));
  for (let i = 0; i < 4; i++) {
    await store.appendToStream(stream, [newEvent(), newEvent()], { expectedRevision: i === 0 ? 'no_stream' : BigInt(i * 2 - 1) });
    console.log('appended', new Date().toISOString());
    await new Promise((r) => setTimeout(r, 400));
  }
  await new Promise((r) => setTimeout(r, 1500));
  console.log('reading', new Date().toISOString());
  const all = await store.readAll();
  const rs = await store.readStream(stream);
  for (let i = 0; i < rs.length; i++) console.log(all[i].recordedAt.toISOString(), rs[i].recordedAt.toISOString(), seen[i]?.recordedAt.toISOString());
  await sub.stop();
  await store.close();
  await sim.stop();
})();
