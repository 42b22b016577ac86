import helmet from '@fastify/helmet';
import { NestFactory } from '@nestjs/core';
import { LogController } from 'fastify';
import { DestinationStream } from 'pino';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { registerBodyParsers } from './common/http/body-parsers';
import { registerStatusOverride } from './common/http/envelope';
import { AppLogger, createPino, requestLogContext, scrubUrl } from './common/logging/logging';
import { requestIdFor } from './common/http/request-id';
import { RouteTable } from './common/http/route-table';
import { AppConfig } from './config/app-config';
import { readChangelog } from './docs/changelog';
import { buildOpenApiDocument, setupSwaggerUi } from './docs/openapi';
import { setupReference } from './docs/reference-page';
import { MetricsService } from './ops/metrics.service';

/**
 * Builds the whole application, ready to listen: used by `main.ts`, the tests, the OpenAPI
 * generator and the benchmark, so all of them run exactly the same stack.
 */
export interface CreateAppOptions {
  /** Where log lines go (stdout by default); tests read them to check what is never logged. */
  logDestination?: DestinationStream;
}

export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const routes = new RouteTable();
  const logger = createPino(config, options.logDestination);
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.env.TRUST_PROXY,
    genReqId: requestIdFor,
    loggerInstance: logger,
    logController: new LogController({
      requestIdLogLabel: 'request_id',
      disableRequestLogging: true,
    }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 256, ignoreTrailingSlash: true },
  });
  const fastify = adapter.getInstance();
  fastify.addHook('onRoute', (route) => routes.add(route.method, route.url));
  registerBodyParsers(fastify, config.bodyLimitBytes);
  registerStatusOverride(fastify);

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, routes),
    adapter,
    {
      logger: new AppLogger(logger),
      bodyParser: false,
      abortOnError: false,
    },
  );

  const metrics = app.get(MetricsService);
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    // everything logged while handling this request carries its request id
    requestLogContext.run(request.log, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    if (route !== '/health/live' && route !== '/metrics') {
      request.log.info(
        {
          method: request.method,
          url: scrubUrl(request.url),
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
          ip: request.ip,
        },
        'request completed',
      );
    }
    done();
  });

  await app.register(helmet, { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false });
  if (config.corsOrigins.length > 0) {
    app.enableCors({ origin: config.corsOrigins, credentials: false });
  }
  if (config.env.DOCS_ENABLED) {
    const document = await buildOpenApiDocument(app);
    setupReference(app, document, { baseUrl: config.publicBaseUrl, changelog: readChangelog() });
    setupSwaggerUi(app, document);
  }
  app.enableShutdownHooks();
  await app.init();
  await fastify.ready();
  return app;
}
