import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { AppConfig } from '@yuantrace/ledger';
import type { Clock } from '@yuantrace/ledger';
import { openStorage, type Storage } from '@yuantrace/ledger';
import { ErrorResponseFilter } from './http/error-response';
import { validationPipe } from './http/validation';
import { InputSafetyPipe } from './http/body-safety';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { serveWebConsole } from './web/web-assets';

/** The largest request body taken: far above any command of ours (a household of 20 members is a few KB). */
export const MAX_BODY = '256kb';

/**
 * Builds the whole api: the one used by main.ts and by the end-to-end tests alike.
 */
export async function createApp(config: AppConfig, options: { storage?: Storage; clock?: Clock; ownsStorage?: boolean } = {}): Promise<INestApplication> {
  const storage = options.storage ?? (await openStorage(config));
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, storage, options.clock, options.ownsStorage ?? true), {
    bufferLogs: true,
    bodyParser: true,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ErrorResponseFilter());
  // Hostile input is refused before the validation pipe recurses over it.
  app.useGlobalPipes(new InputSafetyPipe(), validationPipe());
  app.useBodyParser('json', { limit: MAX_BODY });
  serveWebConsole(app);
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('yuantrace')
      .setDescription('扶贫资金事件溯源台账 — every yuan traceable from the appropriation document to the household and back.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  await app.init();
  return app;
}
