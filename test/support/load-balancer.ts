import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { ApiClient, ApiResponse } from './api-client';
import { freePort } from './free-port';

/** The response header HAProxy adds: which server (`i0`, `i1`, ...) answered. */
export const SERVED_BY = 'x-served-by';

/**
 * HAProxy (`haproxy -f <cfg> -db`) on a free loopback port in front of the given backends:
 * round robin, `option forwardfor` (the client's address appended to X-Forwarded-For), a
 * readiness check every 250 ms (an instance whose /health/ready answers 503 twice is out, within
 * about half a second: well inside the service's drain delay), a retry on another server when a
 * connection fails. Each answer names its server in X-Served-By.
 */
export class LoadBalancer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
    private output: string,
  ) {}

  static async start(backends: string[]): Promise<LoadBalancer> {
    const dir = await mkdtemp(join(tmpdir(), 'haproxy-'));
    const port = await freePort();
    const servers = backends.map(
      (address, n) => `  server i${n} ${address} check inter 250ms fall 2 rise 1`,
    );
    const config = [
      'global',
      '  maxconn 2000',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 30s',
      '  timeout server 30s',
      '  timeout http-keep-alive 10s',
      // Without it a check times out after `inter` (250 ms): too short on a busy machine.
      '  timeout check 2s',
      '  option forwardfor',
      '  option redispatch',
      '  retries 3',
      '  retry-on conn-failure empty-response',
      'frontend api',
      `  bind 127.0.0.1:${port}`,
      '  default_backend instances',
      'backend instances',
      '  balance roundrobin',
      '  option httpchk GET /health/ready',
      '  http-check expect status 200',
      '  http-response set-header X-Served-By %[srv_name]',
      ...servers,
      '',
    ].join('\n');
    const file = join(dir, 'haproxy.cfg');
    await writeFile(file, config);
    const child = spawn('haproxy', ['-f', file, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lb = new LoadBalancer(child, dir, port, '');
    child.stdout.on('data', (chunk: Buffer) => (lb.output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (lb.output += chunk.toString()));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) {
        await rm(dir, { recursive: true, force: true });
        throw new Error(`haproxy exited with ${child.exitCode}:\n${lb.output}`);
      }
      try {
        // Up once every backend answers through it.
        const seen = new Set<string>();
        for (let n = 0; n < backends.length * 2; n++) {
          const res = await lb.client().get('/health/ready');
          if (res.status === 200) seen.add(res.headers.get(SERVED_BY) ?? '');
        }
        if (seen.size === backends.length) return lb;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await lb.stop();
        throw new Error(`haproxy did not reach every backend within 10 s:\n${lb.output}`);
      }
      await sleep(100);
    }
  }

  /** A client of the load balancer connecting from `localAddress` (any 127.x.y.z is loopback). */
  client(localAddress = '127.0.0.1'): BoundApiClient {
    return new BoundApiClient(`http://127.0.0.1:${this.port}`, localAddress);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * ApiClient over node:http from a chosen local address, so that several clients with distinct
 * addresses can reach one proxy on loopback. Counts the answers per X-Served-By.
 */
export class BoundApiClient extends ApiClient {
  readonly servedBy = new Map<string, number>();

  constructor(
    baseUrl: string,
    private readonly localAddress: string,
  ) {
    super(baseUrl);
  }

  protected override send(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
  ): Promise<Omit<ApiResponse, 'body'>> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, localAddress: this.localAddress, agent: false });
      req.once('error', reject);
      req.once('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('error', reject);
        response.once('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) responseHeaders.set(name, String(value));
          }
          const server = responseHeaders.get(SERVED_BY);
          if (server) this.servedBy.set(server, (this.servedBy.get(server) ?? 0) + 1);
          resolve({
            status: response.statusCode ?? 0,
            headers: responseHeaders,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      req.end(body);
    });
  }
}
