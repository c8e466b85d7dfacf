import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { AlertsController } from './alerts.controller';

@Module({ imports: [LedgerModule], controllers: [AlertsController] })
export class AlertsModule {}
