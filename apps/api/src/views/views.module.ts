import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { EventsController } from './events.controller';
import { ListsController } from './lists.controller';
import { ViewsController } from './views.controller';

@Module({ imports: [LedgerModule], controllers: [ViewsController, EventsController, ListsController] })
export class ViewsModule {}
