import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { metricsAccess } from './metrics-access';
import { MetricsService } from './metrics.service';

/**
 * `/metrics` on a listener of its own, METRICS_HOST:METRICS_PORT, when METRICS_PORT is set:
 * the scraper reaches it on a private interface, the public port no longer serves it.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { METRICS_PORT, METRICS_HOST, METRICS_TOKEN } = this.config.env;
    if (METRICS_PORT === undefined && !METRICS_TOKEN && this.config.production) {
      this.logger.warn('/metrics is not served: set METRICS_TOKEN or METRICS_PORT to scrape it');
    }
    if (METRICS_PORT === undefined) return;
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      if (request.method !== 'GET' || path !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
        return;
      }
      if (metricsAccess(this.config, request.headers.authorization, true) !== 'allowed') {
        response
          .writeHead(401, {
            'content-type': 'text/plain; charset=utf-8',
            'www-authenticate': 'Bearer realm="paygate metrics"',
          })
          .end('unauthenticated\n');
        return;
      }
      this.metrics.registry.metrics().then(
        (text) =>
          response
            .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
            .end(text),
        (error: unknown) => {
          this.logger.error({ err: error }, 'metrics could not be collected');
          response.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(METRICS_PORT, METRICS_HOST, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics on http://${METRICS_HOST}:${this.port}/metrics`);
  }

  /** The port it listens on (METRICS_PORT, or the one the system chose for 0). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
