import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '@yuantrace/ledger';
import { warmUpRequests } from './warm-up';
import { HealthController } from './health/health.controller';
import type { Clock } from '@yuantrace/ledger';
import { AuthModule } from './auth/auth.module';
import { InfrastructureModule } from '@yuantrace/ledger';
import { LedgerModule } from './ledger/ledger.module';
import { ViewsModule } from './views/views.module';
import { CasesModule } from './cases/cases.module';
import { AlertsModule } from './alerts/alerts.module';
import { SealModule } from './seal/seal.module';
import { WebController } from './web/web.controller';
import type { Storage } from '@yuantrace/ledger';

const headerId = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return typeof v === 'string' && /^[A-Za-z0-9._:-]{1,100}$/.test(v) ? v : undefined;
};

@Module({})
export class AppModule {
  static register(config: AppConfig, storage: Storage, clock?: Clock, ownsStorage = true): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Structured JSON logs; every line of a request carries its request id and the
        // correlation id its commands will carry in their events' metadata.
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            genReqId: (req, res) => {
              const id = headerId(req, 'x-request-id') ?? randomUUID();
              res.setHeader('x-request-id', id);
              return id;
            },
            customProps: (req) => ({ correlationId: headerId(req, 'x-correlation-id') ?? (req as { id?: unknown }).id }),
            redact: ['req.headers.authorization'],
            // The api's own warm-up before it listens (warm-up.ts) is not a request anyone made.
            autoLogging: { ignore: (req) => warmUpRequests.has(req) },
          },
        }),
        InfrastructureModule.register(config, storage, clock, ownsStorage),
        AuthModule,
        LedgerModule,
        ViewsModule,
        CasesModule,
        AlertsModule,
        SealModule,
      ],
      controllers: [HealthController, WebController],
    };
  }
}
