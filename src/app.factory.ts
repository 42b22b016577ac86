import { Socket } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { FastifyInstance, LogController } from 'fastify';
import { DestinationStream } from 'pino';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, globalEnhancers } from './app.module';
import { ErrorPages } from './common/http/error-pages';
import { HotRoutes } from './common/http/hot-routes';
import { registerBodyParsers } from './common/http/body-parsers';
import { registerStatusOverride } from './common/http/envelope';
import { clientErrorHandler, frameworkErrors } from './common/http/framework-errors';
import { limitConnectionsPerAddress } from './common/http/connection-limits';
import { AppLogger, createPino, scrubUrl } from './common/logging/logging';
import { requestIdFor } from './common/http/request-id';
import { RouteTable } from './common/http/route-table';
import { registerSecurityHeaders } from './common/http/security-headers';
import { AppConfig } from './config/app-config';
import { registerConsoleWeb } from './console-web/console-web';
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
  /**
   * Called with every response as it is sent; the tests check each one against the committed
   * OpenAPI document.
   */
  observeResponse?: (response: ObservedResponse) => void;
  /** The web console's build (index.html and assets/); dist/public/console unless given. */
  consoleBuildDir?: string;
}

/** One response as it left the server. */
export interface ObservedResponse {
  method: string;
  /** The request id, as echoed in `X-Request-Id`. */
  requestId: string;
  /** The matched route's pattern (`/v1/payments/:order_id`); undefined when none matched. */
  route: string | undefined;
  url: string;
  status: number;
  contentType: string | undefined;
  /** The body when it was sent as text; undefined for streams and empty bodies. */
  body: string | undefined;
}

export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const routes = new RouteTable();
  const errorPages = new ErrorPages();
  const hotRoutes = new HotRoutes();
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
    frameworkErrors,
    clientErrorHandler,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // the whole request (headers and body) must arrive within REQUEST_TIMEOUT_MS, else 408 and
    // the connection is closed; a connection idle for CONNECTION_TIMEOUT_MS is closed
    requestTimeout: config.env.REQUEST_TIMEOUT_MS,
    connectionTimeout: config.env.CONNECTION_TIMEOUT_MS,
    // between requests too: keep-alive (Fastify's 72 s) never outlasts the connection timeout
    keepAliveTimeout: Math.min(72_000, config.env.CONNECTION_TIMEOUT_MS),
    http: {
      headersTimeout: config.env.REQUEST_TIMEOUT_MS,
      // how often Node looks for requests past their time (its default is every 30 s)
      connectionsCheckingInterval: Math.min(1000, Math.max(25, config.env.REQUEST_TIMEOUT_MS / 4)),
    },
    routerOptions: { maxParamLength: 256, ignoreTrailingSlash: true },
  });
  const fastify = adapter.getInstance();
  fastify.addHook('onRoute', (route) => {
    routes.add(route.method, route.url);
    hotRoutes.adopt(route);
  });
  registerBodyParsers(fastify, config.bodyLimitBytes);
  registerStatusOverride(fastify);
  if (options.observeResponse) observeResponses(fastify, options.observeResponse);

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, routes, errorPages),
    adapter,
    {
      logger: new AppLogger(logger),
      bodyParser: false,
      abortOnError: false,
    },
  );

  errorPages.adopt(app);
  const metrics = app.get(MetricsService);
  limitConnectionsPerAddress(fastify.server, config.maxConnectionsPerAddress, metrics.registry);
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    // Lines about a request carry its request id because they are written with it: Fastify's
    // request logger, and the error filter's fields. Binding the request's logger implicitly
    // to everything that runs for it (an AsyncLocalStorage) cost 10-15 % of the CPU of every
    // payment request on Node 20, whose async context tracking hooks every promise.
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    // the line is built only when it will be written (not at LOG_LEVEL=warn and above; request
    // loggers are children of `logger`, at its level)
    if (route !== '/health/live' && route !== '/metrics' && logger.isLevelEnabled('info')) {
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

  closeConnectionsOnShutdown(fastify);
  registerSecurityHeaders(fastify, {
    contentSecurityPolicy: false,
    crossOriginEmbedderPolicy: false,
  });
  if (config.corsOrigins.length > 0) {
    app.enableCors({ origin: config.corsOrigins, credentials: false });
  }
  if (config.env.DOCS_ENABLED) {
    const document = await buildOpenApiDocument(app);
    setupReference(app, document, { baseUrl: config.publicBaseUrl, changelog: readChangelog() });
    setupSwaggerUi(app, document);
  }
  if (config.env.CONSOLE_ENABLED) {
    registerConsoleWeb(fastify, {
      buildDir: options.consoleBuildDir,
      settlementTz: config.env.SETTLEMENT_TZ,
    });
  }
  app.enableShutdownHooks();
  await app.init();
  hotRoutes.bind(globalEnhancers(app));
  await fastify.ready();
  return app;
}

/** After every other onSend hook that may change the status (registered before this one). */
function observeResponses(
  fastify: FastifyInstance,
  observe: (response: ObservedResponse) => void,
): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const contentType = reply.getHeader('content-type');
    observe({
      method: request.method,
      requestId: request.id,
      route: request.routeOptions.url,
      url: request.url,
      status: reply.statusCode,
      contentType: contentType === undefined ? undefined : String(contentType),
      body:
        typeof payload === 'string'
          ? payload
          : Buffer.isBuffer(payload)
            ? payload.toString('utf8')
            : undefined,
    });
    done(null, payload);
  });
}

/**
 * Graceful shutdown without waiting on clients: requests being answered when shutdown starts
 * are finished, and every other connection is closed. Fastify closes the connections that are
 * idle at that instant, but a connection that becomes idle later stays open for the whole
 * keep-alive period (72 s), and one holding a partly received request until the headers
 * timeout. So while closing, answers say `Connection: close`, and every connection that is not
 * serving a response is destroyed, repeatedly, until the server is closed.
 */
function closeConnectionsOnShutdown(fastify: FastifyInstance): void {
  const sockets = new Set<Socket & { _httpMessage?: unknown }>();
  fastify.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () => {
    for (const socket of sockets) if (!socket._httpMessage) socket.destroy();
  };
  fastify.addHook('preClose', (done) => {
    sweep();
    sweeper = setInterval(sweep, 50);
    sweeper.unref();
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (sweeper) reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('onClose', (_instance, done) => {
    clearInterval(sweeper);
    done();
  });
}
