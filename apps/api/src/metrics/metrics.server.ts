import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { register } from 'prom-client';

import { AllConfig } from '@app/config';

/**
 * With METRICS_PORT set, a plain node:http server on that port answers `GET /metrics` and
 * nothing else: scrapes stay off the API port and out of its middleware, rate limits and logs.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private readonly host: string;
  private readonly port?: number;
  private server?: Server;

  constructor(config: ConfigService<AllConfig, true>) {
    const app = config.get('app', { infer: true });
    this.host = app.host;
    this.port = app.metricsPort;
  }

  /** The port it listens on (METRICS_PORT=0 picks a free one), if it runs. */
  get listeningPort(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.port === undefined) return;
    const server = createServer((request, response) => {
      const path = request.url?.split('?')[0];
      if (request.method !== 'GET' || path !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      register.metrics().then(
        (text) => response.writeHead(200, { 'content-type': register.contentType }).end(text),
        (error: Error) => {
          this.logger.error(`metrics collection failed: ${error.message}`);
          response.writeHead(500, { 'content-type': 'text/plain' }).end('collection failed\n');
        },
      );
    });
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics on http://${this.host}:${this.listeningPort}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
