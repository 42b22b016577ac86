import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as it arrived. */
  body: string;
  at: number;
}

/**
 * What the receiver answers: after `delayMs`, or once `after` settles (the test decides when);
 * `hang` keeps the request open without a word.
 */
export type Reply =
  | {
      status: number;
      body?: string;
      headers?: Record<string, string>;
      delayMs?: number;
      after?: Promise<unknown>;
    }
  | 'hang';

export type Responder = (request: ReceivedRequest, index: number) => Reply;

/**
 * A merchant's webhook endpoint on loopback: records every request it gets and answers as the
 * test says (by default 200). `close()` also drops requests left hanging.
 */
export class WebhookReceiver {
  readonly hits: ReceivedRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  private constructor(private responder: Responder) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const hit: ReceivedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        this.hits.push(hit);
        const reply = this.responder(hit, this.hits.length - 1);
        if (reply === 'hang') return;
        const answer = () => {
          res.writeHead(reply.status, reply.headers ?? { 'content-type': 'text/plain' });
          res.end(reply.body ?? '');
        };
        if (reply.after) void reply.after.then(answer);
        else setTimeout(answer, reply.delayMs ?? 0);
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens on `host` (127.0.0.1 by default; `::` takes IPv4 and IPv6 loopback both). */
  static async start(
    responder: Responder = () => ({ status: 200, body: 'ok' }),
    host = '127.0.0.1',
  ): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(responder);
    await new Promise<void>((resolve, reject) => {
      receiver.server.once('error', reject);
      receiver.server.listen(0, host, () => resolve());
    });
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  respond(responder: Responder): void {
    this.responder = responder;
  }

  /** Requests that carried this event id. */
  hitsFor(eventId: string): ReceivedRequest[] {
    return this.hits.filter((h) => h.headers['paygate-event-id'] === eventId);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
