import { Module } from '@nestjs/common';
import { PersonalDataVault } from '../personal-data/personal-data-vault';
import { AdminUnitsController, FundBatchesController, HouseholdsController, MilestonesController, PaymentsController, ProjectsController } from './ledger.controllers';
import { LedgerService } from './ledger.service';

@Module({
  controllers: [AdminUnitsController, FundBatchesController, ProjectsController, MilestonesController, HouseholdsController, PaymentsController],
  providers: [LedgerService, PersonalDataVault],
  exports: [LedgerService, PersonalDataVault],
})
export class LedgerModule {}
