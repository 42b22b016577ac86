import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

/** What the next provider requests suffer: a 5xx answer, or no answer at all. */
export type Fault = { status: number } | { hang: true };

export interface FakeRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (request: FakeRequest, response: ServerResponse) => Promise<void> | void;

/**
 * A real HTTP server on 127.0.0.1 for a fake provider: queued faults come before the handler,
 * hanging requests are held until the test ends, and close() ends every connection.
 */
export class FakeServer {
  private readonly faults: Fault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly held = new Set<ServerResponse>();
  /** Every request that reached the handler, for assertions. */
  readonly received: FakeRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(handler: Handler): Promise<FakeServer> {
    const ref: { fake?: FakeServer } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: FakeRequest = {
          method: req.method ?? 'GET',
          url: new URL(req.url ?? '/', ref.fake!.url),
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        void ref.fake!.dispatch(request, res, handler);
      });
    });
    server.on('connection', (socket: Socket) => {
      ref.fake?.sockets.add(socket);
      socket.on('close', () => ref.fake?.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    ref.fake = new FakeServer(server, `http://127.0.0.1:${port}`);
    return ref.fake;
  }

  /** The next `count` requests answer `fault` instead of being handled. */
  failNext(count: number, fault: Fault): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  /** Keeps a request unanswered until close(): the provider acted, its answer never arrives. */
  hold(response: ServerResponse): void {
    this.held.add(response);
  }

  async close(): Promise<void> {
    for (const response of this.held) response.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async dispatch(request: FakeRequest, res: ServerResponse, handler: Handler) {
    const fault = this.faults.shift();
    if (fault && 'hang' in fault) {
      this.held.add(res);
      return;
    }
    if (fault) {
      res.writeHead(fault.status, { 'content-type': 'text/html' });
      res.end('<html><body>Service Unavailable</body></html>');
      return;
    }
    this.received.push(request);
    try {
      await handler(request, res);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fake failed: ${(error as Error).message}`);
    }
  }
}

/** Posts to the gateway as a provider does, and reads the answer. */
export async function deliver(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; contentType: string | null }> {
  const response = await fetch(url, { method: 'POST', body, headers });
  return {
    status: response.status,
    body: await response.text(),
    contentType: response.headers.get('content-type'),
  };
}

/** 0.6% of the amount, rounded half up: the fee both fakes put on their bills. */
export function fakeFee(amount: number): number {
  return Math.floor((amount * 60 + 5000) / 10000);
}

/** `yyyy-MM-dd HH:mm:ss` in Beijing. */
export function beijing(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Fen as a yuan string ("10.00", "-3.00"), written independently of the code under test. */
export function yuanText(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Yuan text to fen, refusing anything but up to two decimals. */
export function fenOf(yuan: string): number | null {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(yuan);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}
