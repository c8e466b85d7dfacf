import { Module } from '@nestjs/common';
import { LedgerCoreModule } from '@yuantrace/ledger';
import { AdminUnitsController, FundBatchesController, HouseholdsController, MilestonesController, PaymentsController, ProjectsController } from './ledger.controllers';

/** The write routes in front of the ledger library's command service. */
@Module({
  imports: [LedgerCoreModule],
  controllers: [AdminUnitsController, FundBatchesController, ProjectsController, MilestonesController, HouseholdsController, PaymentsController],
  exports: [LedgerCoreModule],
})
export class LedgerModule {}
