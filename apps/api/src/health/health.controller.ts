import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { EventStore, formatPosition } from '@yuantrace/event-store';
import { APP_CONFIG, type AppConfig } from '@yuantrace/ledger';
import { ProjectionRunner } from '@yuantrace/projections';
import type { Response } from 'express';
import { Public } from '../auth/access.decorator';
import { SCHEMAS } from '../http/openapi-schemas';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Liveness, the store in use, the last global position and each projection's lag, and the
   * truth about them: `degraded` with HTTP 503 and the reasons when the database cannot be
   * reached, when a projection this process runs is stopped or failing, or when any projection
   * (wherever it runs) lags more than HEALTH_MAX_LAG events.
   */
  @Get()
  @Public()
  @ApiOkResponse({ description: '存活状态、事件存储类型、最新全局位置、各投影滞后事件数', schema: SCHEMAS.health })
  @ApiServiceUnavailableResponse({ description: 'degraded：数据库不可达、投影停止或出错、滞后超过上限，并说明原因', schema: SCHEMAS.health })
  async health(@Res({ passthrough: true }) res: Response) {
    let last;
    let projections;
    try {
      last = await this.store.lastPosition();
      projections = await this.runner.status();
    } catch (e) {
      res.status(503);
      return { status: 'degraded', store: this.store.kind, reasons: [`the database cannot be reached: ${(e as Error).message}`] };
    }
    const reasons: string[] = [];
    for (const p of projections) {
      if (this.runner.isRunning && (p.state === 'stopped' || p.state === 'retrying')) {
        reasons.push(`projection ${p.name} is ${p.state}${p.lastError ? `: ${p.lastError}` : ''}`);
      }
      if (BigInt(p.lag) > BigInt(this.config.healthMaxLag)) reasons.push(`projection ${p.name} lags ${p.lag} events (more than ${this.config.healthMaxLag})`);
    }
    if (reasons.length > 0) res.status(503);
    return {
      status: reasons.length > 0 ? 'degraded' : 'ok',
      store: this.store.kind,
      lastPosition: last ? formatPosition(last) : null,
      projections,
      ...(reasons.length > 0 ? { reasons } : {}),
    };
  }
}
