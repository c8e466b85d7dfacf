import { Logger } from '@nestjs/common';
import type { RecordedEvent, SqlExecutor } from '@yuantrace/event-store';
import type { Projection } from '@yuantrace/projections';
import type { CommandHandler } from './command-handler';
import { followUp, isRefusal, startsFlow } from './ledger-flows';

/**
 * The process manager for cross-stream flows. It runs under the projection runner (its own
 * checkpoint, resumed after a crash, one active instance per database) but writes events, not
 * rows: for every first leg in the log it makes sure the second leg exists. The api performs
 * the second leg inline too; this is what completes it when the process died in between.
 */
export class LedgerProcessManager implements Projection {
  readonly name = 'ledger_process_manager';
  readonly tables: readonly string[] = [];
  /** It appends events (its own transactions); at-least-once is safe because every second leg is idempotent. */
  readonly transactional = false;
  private readonly logger = new Logger('process-manager');

  constructor(private readonly commands: CommandHandler) {}

  async setup(_: SqlExecutor): Promise<void> {}

  async apply(_: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      if (!startsFlow(event.type)) continue;
      try {
        await followUp(this.commands, event);
      } catch (e) {
        if (!isRefusal(e)) throw e;
        this.logger.error(`second leg of ${event.type} ${event.id} (${event.streamId}) refused: ${(e as Error).message}`);
      }
    }
  }
}
