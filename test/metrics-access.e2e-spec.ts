import request from 'supertest';
import { MetricsServer } from '../src/ops/metrics-server';
import { testEngine } from './helpers/scratch-database';
import { startTestApp, TestApp } from './helpers/test-app';

const TOKEN = 'metrics-token-0123456789abcdef';

describe(`who may read /metrics and /health (${testEngine()})`, () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });
  const start = async (env: Record<string, string>) => {
    const t = await startTestApp(env);
    apps.push(t);
    return t;
  };

  it('with METRICS_TOKEN: only a scraper sending it as a Bearer token reads the metrics', async () => {
    const t = await start({ METRICS_TOKEN: TOKEN });
    const anonymous = await t.http.get('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.reason).toBe('unauthenticated');
    expect(anonymous.text).not.toContain('paygate_http_requests_total');
    await t.http.get('/metrics').set('authorization', 'Bearer wrong-token-0123456789').expect(401);
    const scraped = await t.http.get('/metrics').set('authorization', `Bearer ${TOKEN}`);
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain('paygate_http_requests_total');
  });

  it('with METRICS_PORT: served on METRICS_HOST only, the public port answers 404', async () => {
    const t = await start({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' });
    const publicPort = await t.http.get('/metrics');
    expect(publicPort.status).toBe(404);
    expect(publicPort.text).not.toContain('paygate_');
    const port = t.app.get(MetricsServer).port;
    expect(port).toEqual(expect.any(Number));
    expect(port).not.toBe(Number(new URL(t.url).port));
    const scraped = await request(`http://127.0.0.1:${port}`).get('/metrics').expect(200);
    expect(scraped.text).toContain('paygate_http_requests_total');
    expect(scraped.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    await request(`http://127.0.0.1:${port}`).get('/v1/payments').expect(404);
  });

  it('with METRICS_PORT and METRICS_TOKEN: the metrics port asks for the token too', async () => {
    const t = await start({ METRICS_PORT: '0', METRICS_TOKEN: TOKEN });
    const metrics = request(`http://127.0.0.1:${t.app.get(MetricsServer).port}`);
    await metrics.get('/metrics').expect(401);
    await metrics.get('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(200);
  });

  it('in production without either, /metrics is not served at all', async () => {
    const t = await start({
      NODE_ENV: 'production',
      JWT_SECRET: 'j'.repeat(32),
      CHANNEL_CONFIG_KEY: 'c'.repeat(64),
    });
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('paygate_');
  });

  it('health answers its status and nothing else', async () => {
    const t = apps[0];
    const live = await t.http.get('/health/live').expect(200);
    const ready = await t.http.get('/health/ready').expect(200);
    for (const res of [live, ready]) {
      // the envelope around `{ status }` only: no version, no database or dependency detail
      expect(res.body.data).toEqual({ status: 'ok' });
      expect(Object.keys(res.body).sort()).toEqual(['code', 'data', 'message', 'request_id']);
    }
  });
});
