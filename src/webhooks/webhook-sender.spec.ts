import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckedUrl, SsrfGuard } from '../common/net/ssrf-guard';
import { WebhookReceiver } from '../../test/helpers/webhook-receiver';
import { displayUrl, RESPONSE_EXCERPT_BYTES, WebhookSender } from './webhook-sender';

const BODY = '{"id":"evt_1"}';

describe('WebhookSender (real HTTP on loopback)', () => {
  const open = new Set<WebhookReceiver>();
  const receiver = async (...args: Parameters<typeof WebhookReceiver.start>) => {
    const r = await WebhookReceiver.start(...args);
    open.add(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all([...open].map((r) => r.close()));
    open.clear();
  });

  const sender = (timeoutMs = 1000) => new WebhookSender(new SsrfGuard(true), timeoutMs);

  it('POSTs the exact body with the given headers and calls a 2xx delivered', async () => {
    const r = await receiver(() => ({ status: 204 }));
    const outcome = await sender().post(`${r.url('/hook')}?token=abc`, BODY, {
      'content-type': 'application/json',
      'paygate-event-id': 'evt_1',
    });
    expect(outcome).toMatchObject({
      delivered: true,
      statusCode: 204,
      error: null,
      url: r.url('/hook'),
    });
    expect(r.hits).toHaveLength(1);
    expect(r.hits[0]).toMatchObject({ method: 'POST', path: '/hook?token=abc', body: BODY });
    expect(r.hits[0].headers).toMatchObject({
      'content-type': 'application/json',
      'paygate-event-id': 'evt_1',
      'content-length': String(BODY.length),
    });
  });

  it('records a non-2xx answer with its status and the start of the body', async () => {
    const r = await receiver(() => ({ status: 500, body: 'database on fire' }));
    const outcome = await sender().post(r.url(), BODY, {});
    expect(outcome).toMatchObject({
      delivered: false,
      statusCode: 500,
      error: 'HTTP 500',
      responseExcerpt: 'database on fire',
    });
  });

  it('keeps only the first KiB of a huge (endless) response and does not wait for the rest', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200);
      const chunk = 'x'.repeat(64 * 1024);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const started = Date.now();
      // reading to the end would only stop at the timeout
      const outcome = await sender(30000).post(`http://127.0.0.1:${port}/`, BODY, {});
      expect(outcome.delivered).toBe(true);
      expect(Buffer.byteLength(outcome.responseExcerpt ?? '')).toBe(RESPONSE_EXCERPT_BYTES);
      expect(Date.now() - started).toBeLessThan(10000);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('gives up on an endpoint that does not answer within the timeout', async () => {
    const r = await receiver(() => 'hang');
    const outcome = await sender(300).post(r.url(), BODY, {});
    expect(outcome).toMatchObject({
      delivered: false,
      statusCode: null,
      error: 'timed out after 300 ms',
    });
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(290);
    expect(outcome.latencyMs).toBeLessThan(5000);
  });

  it('counts a 2xx whose body then stalls as delivered, within the timeout', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const outcome = await sender(300).post(`http://127.0.0.1:${port}/`, BODY, {});
      expect(outcome).toMatchObject({ delivered: true, statusCode: 200 });
      expect(outcome.responseExcerpt).toBe('partial');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('never follows a redirect: the target gets nothing and the attempt failed', async () => {
    const inner = await receiver();
    const outer = await receiver(() => ({
      status: 302,
      headers: { location: inner.url('/inner') },
    }));
    const outcome = await sender().post(outer.url(), BODY, {});
    expect(outcome).toMatchObject({
      delivered: false,
      statusCode: 302,
      error: 'redirect (HTTP 302) not followed',
    });
    expect(inner.hits).toHaveLength(0);
  });

  it('reports a closed port as connection refused', async () => {
    const r = await receiver();
    const url = r.url();
    await r.close();
    open.delete(r);
    expect(await sender().post(url, BODY, {})).toMatchObject({
      delivered: false,
      statusCode: null,
      error: 'connection refused',
    });
  });

  it('connects to the address the guard checked, keeping the host name in the Host header', async () => {
    const r = await receiver();
    // a host name no resolver knows: only the guard's answer can lead to the receiver
    class PinningGuard extends SsrfGuard {
      override async check(raw: string): Promise<CheckedUrl> {
        return { url: new URL(raw), address: '127.0.0.1', family: 4 };
      }
    }
    const outcome = await new WebhookSender(new PinningGuard(false), 1000).post(
      `http://merchant.invalid:${r.port}/hook`,
      BODY,
      {},
    );
    expect(outcome).toMatchObject({ delivered: true, statusCode: 200 });
    expect(r.hits[0].headers.host).toBe(`merchant.invalid:${r.port}`);
  });

  it('over https, sends the host name as SNI and checks the certificate (a self-signed one fails)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paygate-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=merchant.test',
        ]
          .concat(['-addext', 'subjectAltName=DNS:merchant.test'])
          .concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
        { stdio: 'ignore' },
      );
      const names: string[] = [];
      let requests = 0;
      const server = createTlsServer(
        {
          key: readFileSync(join(dir, 'key.pem')),
          cert: readFileSync(join(dir, 'cert.pem')),
          SNICallback: (name, callback) => {
            names.push(name);
            callback(null);
          },
        },
        (_req, res) => {
          requests++;
          res.end('ok');
        },
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        class PinningGuard extends SsrfGuard {
          override async check(raw: string): Promise<CheckedUrl> {
            return { url: new URL(raw), address: '127.0.0.1', family: 4 };
          }
        }
        const outcome = await new WebhookSender(new PinningGuard(false), 2000).post(
          `https://merchant.test:${port}/hook`,
          BODY,
          {},
        );
        expect(outcome).toMatchObject({ delivered: false, statusCode: null });
        expect(outcome.error).toMatch(/self[- ]signed/i);
        expect(names).toEqual(['merchant.test']);
        expect(requests).toBe(0);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with the guard on, refuses a loopback endpoint before connecting', async () => {
    const r = await receiver(undefined, '::');
    for (const url of [
      `http://127.0.0.1:${r.port}/`,
      `http://[::1]:${r.port}/`,
      `http://localhost:${r.port}/`,
    ]) {
      const outcome = await new WebhookSender(new SsrfGuard(false), 1000).post(url, BODY, {});
      expect(outcome).toMatchObject({ delivered: false, statusCode: null });
      expect(outcome.error).toMatch(/^notify_url resolves to a (loopback|unspecified) address/);
    }
    expect(r.hits).toHaveLength(0);
  });

  it.each([
    ['https://user:pw@shop.example/hook?key=s3cret#x', 'https://shop.example/hook'],
    ['http://2130706433:8080/a', 'http://127.0.0.1:8080/a'],
    ['not a url?token=1', 'not a url'],
    ['gopher://u:p@host/x?y', 'gopher://host/x'],
  ])('logs %s as %s (no credentials, no query)', (raw, shown) => {
    expect(displayUrl(raw)).toBe(shown);
  });
});
