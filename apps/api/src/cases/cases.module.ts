import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { CasesController } from './cases.controller';

/** Cases (线上预警 → 线下核实 → 整改 → 销号): the routes in front of the ledger library's case service. */
@Module({ imports: [LedgerModule], controllers: [CasesController] })
export class CasesModule {}
