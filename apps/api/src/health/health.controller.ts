import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { EventStore, formatPosition } from '@yuantrace/event-store';
import { ProjectionRunner } from '@yuantrace/projections';
import { Public } from '../auth/access.decorator';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
  ) {}

  /** Liveness, the store in use, the last global position and each projection's lag. */
  @Get()
  @Public()
  @ApiOkResponse({ description: '存活状态、事件存储类型、最新全局位置、各投影滞后事件数' })
  async health() {
    const last = await this.store.lastPosition();
    const projections = await this.runner.status();
    return {
      status: 'ok',
      store: this.store.kind,
      lastPosition: last ? formatPosition(last) : null,
      projections,
    };
  }
}
