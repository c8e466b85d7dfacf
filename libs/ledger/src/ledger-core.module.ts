import { Module } from '@nestjs/common';
import { LedgerService } from './commands/ledger.service';
import { AlertDirectory, CaseService, ReadModelAlertDirectory } from './commands/case.service';
import { OversightService } from './commands/oversight.service';
import { PersonalDataVault } from './personal-data/personal-data-vault';

/**
 * The write side without HTTP: the ledger's command service and the personal-data vault. The api
 * puts controllers in front of it; the cli's bulk load and the demo loader use it directly.
 * Needs InfrastructureModule (global) for the store, the read database, the clock and the config.
 */
@Module({
  providers: [LedgerService, OversightService, PersonalDataVault, CaseService, { provide: AlertDirectory, useClass: ReadModelAlertDirectory }],
  exports: [LedgerService, OversightService, PersonalDataVault, CaseService],
})
export class LedgerCoreModule {}
