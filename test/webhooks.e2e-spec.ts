import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { Database } from '../src/database/database.service';
import { OutboxRepository } from '../src/webhooks/outbox.repository';
import { WebhookDelivery } from '../src/webhooks/webhook-delivery.service';
import { WebhookEventsRepository } from '../src/webhooks/webhook-events.repository';
import { verifyWebhookSignature } from '../src/webhooks/webhook-signature';
import {
  createOrder,
  createSandboxChannel,
  eventually,
  getOrder,
  Order,
  payOrder,
  waitForStatus,
} from './helpers/payments';
import { startPublicEndpoint, PublicEndpoint } from './helpers/public-endpoint';
import { createScratchDatabase, ScratchDatabase, testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';
import { ReceivedRequest, WebhookReceiver } from './helpers/webhook-receiver';
import { refundOrder } from './helpers/clearing';

interface Attempt {
  attempt: number;
  attempted_at: string;
  url: string | null;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response_excerpt: string | null;
}

interface WebhookEvent {
  id: string;
  type: string;
  source_id: number;
  order_id: string;
  refund_id: string | null;
  created_at: string;
  sequence: number;
  data: Record<string, unknown>;
  delivery_status: 'pending' | 'delivered' | 'failed';
  attempt_count: number;
  next_attempt_at: string | null;
  delivered_at: string | null;
  attempts?: Attempt[];
}

/** Fast schedule and short timeout, so retries and give-ups happen within a test. */
const FAST = {
  JOBS_ENABLED: 'true',
  WEBHOOK_RETRY_SCHEDULE: '1,1,1',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_POLL_INTERVAL_MS: '100',
  RATE_LIMIT_PER_SECOND: '10000',
};

/** The TypeScript verification helper exactly as docs/webhooks.md shows it to merchants. */
function docsVerifier(): (raw: string, header: string | undefined, secret: string) => boolean {
  const markdown = readFileSync(join(__dirname, '..', 'docs', 'webhooks.md'), 'utf8');
  const source = /```ts\n([\s\S]*?)```/.exec(markdown)?.[1];
  if (!source) throw new Error('docs/webhooks.md has no TypeScript block');
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const module = { exports: {} as Record<string, unknown> };
  new Function('require', 'module', 'exports', js)(require, module, module.exports);
  return module.exports.verifyPaygateSignature as ReturnType<typeof docsVerifier>;
}

function signatureParts(hit: ReceivedRequest): { t: number; v1: string[] } {
  const parts = String(hit.headers['paygate-signature']).split(',');
  return {
    t: Number(parts.find((p) => p.startsWith('t='))!.slice(2)),
    v1: parts.filter((p) => p.startsWith('v1=')).map((p) => p.slice(3)),
  };
}

async function getEvent(t: TestApp, token: string, id: string): Promise<WebhookEvent> {
  const res = await t.http.get(`/v1/events/${id}`).set(bearer(token));
  if (res.status !== 200) throw new Error(`event read failed: ${res.status}`);
  return res.body.data as WebhookEvent;
}

function waitForEvent(
  t: TestApp,
  token: string,
  id: string,
  done: (e: WebhookEvent) => boolean,
  what: string,
  timeoutMs = 15000,
): Promise<WebhookEvent> {
  return eventually(
    async () => {
      const event = await getEvent(t, token, id);
      return done(event) ? event : undefined;
    },
    timeoutMs,
    what,
  );
}

/** The requests that carried this event, once there are `count` of them. */
function hitsOf(hook: WebhookReceiver, eventId: string, count = 1): Promise<ReceivedRequest[]> {
  return eventually(
    async () => (hook.hitsFor(eventId).length >= count ? hook.hitsFor(eventId) : null),
    10000,
    `${count} request(s) with ${eventId}`,
  );
}

/** A paid order and the id of its payment.succeeded event. */
async function paidOrder(t: TestApp, m: TestMerchant): Promise<{ order: Order; eventId: string }> {
  const created = await createOrder(t, m);
  await payOrder(t, created).expect(200);
  const order = await waitForStatus(t, m.token, created.order_id, 'SUCCEEDED');
  const res = await t.http
    .get(`/v1/events?order_id=${order.order_id}&type=payment.succeeded`)
    .set(bearer(m.token))
    .expect(200);
  expect(res.body.data.items).toHaveLength(1);
  return { order, eventId: res.body.data.items[0].id as string };
}

/** Writes notify_url straight into the row, past the registration check. */
async function forceNotifyUrl(t: TestApp, sourceId: number, url: string | null): Promise<void> {
  await t.app.get(Database).run((em) =>
    Database.sql(em, `UPDATE merchants SET notify_url = :url WHERE source_id = :sourceId`, {
      url,
      sourceId,
    }),
  );
}

describe(`merchant webhooks on ${testEngine()}`, () => {
  let t: TestApp;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (...args: Parameters<typeof WebhookReceiver.start>) => {
    const r = await WebhookReceiver.start(...args);
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    t = await startTestApp({ ...FAST, WEBHOOK_SECRET_GRACE_SECONDS: '6' });
    await createSandboxChannel(t);
  });
  afterAll(async () => {
    await t.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  describe('delivery', () => {
    let m: TestMerchant;
    let hook: WebhookReceiver;
    let first: { order: Order; eventId: string };

    beforeAll(async () => {
      hook = await receiver();
      m = await createMerchant(t, { notify_url: hook.url('/paygate/webhooks') });
      first = await paidOrder(t, m);
    });

    it('POSTs {id, type, created_at, sequence, data} signed so the merchant can verify it, and logs the attempt', async () => {
      const [hit] = await hitsOf(hook, first.eventId);
      expect(hit.method).toBe('POST');
      expect(hit.path).toBe('/paygate/webhooks');
      expect(hit.headers['content-type']).toBe('application/json');
      const body = JSON.parse(hit.body);
      expect(body).toEqual({
        id: first.eventId,
        type: 'payment.succeeded',
        created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        sequence: 1,
        data: expect.objectContaining({
          order_id: first.order.order_id,
          status: 'SUCCEEDED',
          amount: 1000,
          source_id: m.sourceId,
        }),
      });
      const header = hit.headers['paygate-signature'] as string;
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(Math.abs(signatureParts(hit).t - hit.at / 1000)).toBeLessThan(5);
      // what a merchant runs: paygate's helper, and the one the docs show
      expect(verifyWebhookSignature(hit.body, header, m.webhookSecret)).toBe(true);
      expect(docsVerifier()(hit.body, header, m.webhookSecret)).toBe(true);
      // and what they must refuse: another secret, a tampered body, a replay 301 s later
      expect(verifyWebhookSignature(hit.body, header, 'whsec_someone_else')).toBe(false);
      expect(verifyWebhookSignature(hit.body.replace('1000', '1'), header, m.webhookSecret)).toBe(
        false,
      );
      expect(
        verifyWebhookSignature(hit.body, header, m.webhookSecret, { now: hit.at + 301_000 }),
      ).toBe(false);

      const event = await waitForEvent(
        t,
        m.token,
        first.eventId,
        (e) => e.delivery_status === 'delivered',
        'delivered',
      );
      expect(event).toMatchObject({
        sequence: 1,
        attempt_count: 1,
        next_attempt_at: null,
        delivered_at: expect.any(String),
        data: body.data,
      });
      expect(event.attempts).toEqual([
        {
          attempt: 1,
          attempted_at: expect.any(String),
          url: hook.url('/paygate/webhooks'),
          status_code: 200,
          latency_ms: expect.any(Number),
          error: null,
          response_excerpt: 'ok',
        },
      ]);
    });

    it("numbers an order's events 1, 2, 3 across payment and refunds, in the bodies and the log, so a stale one can be dropped", async () => {
      // a merchant of its own, so the other tests' listings stay as they are
      const ownHook = await receiver();
      const m = await createMerchant(t, { notify_url: ownHook.url('/paygate/webhooks') });
      const { order, eventId } = await paidOrder(t, m);
      const first = await refundOrder(t, m, order.order_id, 300);
      const second = await refundOrder(t, m, order.order_id, 200);
      const list = await eventually(
        async () => {
          const res = await t.http
            .get(`/v1/events?order_id=${order.order_id}`)
            .set(bearer(m.token))
            .expect(200);
          const items = res.body.data.items as WebhookEvent[];
          return items.length === 3 ? items : undefined;
        },
        10000,
        'three events of the order',
      );
      const byId = new Map(list.map((e) => [e.id, e]));
      const refundEvent = (refundId: string) => list.find((e) => e.refund_id === refundId)!;
      expect(byId.get(eventId)!.sequence).toBe(1);
      expect(refundEvent(first.refund_id).sequence).toBe(2);
      expect(refundEvent(second.refund_id).sequence).toBe(3);
      // what the merchant receives: the same numbers, inside the signed bytes
      for (const event of list) {
        const [hit] = await hitsOf(ownHook, event.id);
        const body = JSON.parse(hit.body) as { sequence: number };
        expect(body.sequence).toBe(event.sequence);
        expect(
          verifyWebhookSignature(
            hit.body,
            hit.headers['paygate-signature'] as string,
            m.webhookSecret,
          ),
        ).toBe(true);
      }
      // the docs' rule: keep the highest sequence handled per order; a lower one is stale
      const handled = new Map<string, number>();
      const accept = (e: { order_id: string; sequence: number }) => {
        if ((handled.get(e.order_id) ?? 0) >= e.sequence) return false;
        handled.set(e.order_id, e.sequence);
        return true;
      };
      const [one, two, three] = [1, 2, 3].map((n) => list.find((e) => e.sequence === n)!);
      expect([three, one, two].map(accept)).toEqual([true, false, false]);
      // another order's numbering is its own
      const other = await paidOrder(t, m);
      expect((await getEvent(t, m.token, other.eventId)).sequence).toBe(1);
    });

    it('counts deliveries by outcome and shows the queue on /metrics', async () => {
      const res = await t.http.get('/metrics').expect(200);
      const delivered = /^paygate_webhook_deliveries_total\{outcome="delivered"\} (\d+)$/m.exec(
        res.text,
      );
      expect(Number(delivered?.[1])).toBeGreaterThanOrEqual(1);
      expect(res.text).toMatch(/^paygate_webhook_deliveries_total\{outcome="failed"\} \d+$/m);
      expect(res.text).toMatch(/^paygate_webhook_queue_depth \d+$/m);
      expect(res.text).toMatch(/^paygate_webhook_oldest_due_event_age_seconds [\d.e+-]+$/m);
    });

    it('redelivers on request: same event and body, fresh signature, earlier attempts kept', async () => {
      await hitsOf(hook, first.eventId);
      const res = await t.http
        .post(`/v1/events/${first.eventId}/redeliver`)
        .set(bearer(m.token))
        .expect(200);
      expect(res.body.data).toMatchObject({
        id: first.eventId,
        delivery_status: 'pending',
        delivered_at: null,
      });
      const hits = await hitsOf(hook, first.eventId, 2);
      expect(hits[1].body).toBe(hits[0].body);
      const header = hits[1].headers['paygate-signature'] as string;
      expect(verifyWebhookSignature(hits[1].body, header, m.webhookSecret)).toBe(true);
      const event = await waitForEvent(
        t,
        m.token,
        first.eventId,
        (e) => e.delivery_status === 'delivered' && e.attempt_count === 2,
        'delivered again',
      );
      expect(event.attempts!.map((a) => [a.attempt, a.status_code])).toEqual([
        [1, 200],
        [2, 200],
      ]);
    });

    it("keeps merchants out of each other's events (404), and audits an admin's redelivery", async () => {
      const other = await createMerchant(t, { name: 'Other Shop' });
      for (const [method, path] of [
        ['get', `/v1/events/${first.eventId}`],
        ['post', `/v1/events/${first.eventId}/redeliver`],
      ] as const) {
        const res = await t.http[method](path).set(bearer(other.token));
        expect([path, res.status, res.body.reason]).toEqual([path, 404, 'event_not_found']);
      }
      const none = await t.http.get('/v1/events').set(bearer(other.token)).expect(200);
      expect(none.body.data).toEqual({ items: [], next_cursor: null });

      const admin = bearer(await t.adminToken());
      await t.http.post(`/v1/events/${first.eventId}/redeliver`).set(admin).expect(200);
      const audit = await t.http
        .get(`/v1/admin/audit-logs?action=event.redeliver&target_id=${first.eventId}`)
        .set(admin)
        .expect(200);
      expect(audit.body.data.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            actor_role: 'admin',
            target_type: 'webhook_event',
            result: 'success',
          }),
        ]),
      );
      await waitForEvent(
        t,
        m.token,
        first.eventId,
        (e) => e.delivery_status === 'delivered' && e.attempt_count === 3,
        'admin redelivery delivered',
      );
    });

    it('lists events newest first with filters, own for merchants and all or one merchant for admins', async () => {
      const second = await paidOrder(t, m);
      const own = await t.http.get('/v1/events?limit=1').set(bearer(m.token)).expect(200);
      expect(own.body.data.items.map((e: WebhookEvent) => e.id)).toEqual([second.eventId]);
      expect(own.body.data.items[0]).not.toHaveProperty('attempts');
      const next = await t.http
        .get(`/v1/events?limit=1&cursor=${own.body.data.next_cursor}`)
        .set(bearer(m.token))
        .expect(200);
      expect(next.body.data.items.map((e: WebhookEvent) => e.id)).toEqual([first.eventId]);

      const byOrder = await t.http
        .get(`/v1/events?order_id=${first.order.order_id}`)
        .set(bearer(m.token))
        .expect(200);
      expect(byOrder.body.data.items.map((e: WebhookEvent) => e.id)).toEqual([first.eventId]);
      const closed = await t.http
        .get('/v1/events?type=payment.closed')
        .set(bearer(m.token))
        .expect(200);
      expect(closed.body.data.items).toEqual([]);
      await waitForEvent(
        t,
        m.token,
        second.eventId,
        (e) => e.delivery_status === 'delivered',
        'second delivered',
      );
      const delivered = await t.http
        .get('/v1/events?delivery_status=delivered')
        .set(bearer(m.token))
        .expect(200);
      expect(delivered.body.data.items.map((e: WebhookEvent) => e.id)).toEqual([
        second.eventId,
        first.eventId,
      ]);

      const admin = bearer(await t.adminToken());
      const mine = await t.http.get(`/v1/events?source_id=${m.sourceId}`).set(admin).expect(200);
      expect(mine.body.data.items.map((e: WebhookEvent) => e.id)).toEqual([
        second.eventId,
        first.eventId,
      ]);
      const all = await t.http.get('/v1/events?limit=100').set(admin).expect(200);
      expect(all.body.data.items.length).toBeGreaterThanOrEqual(2);

      const foreign = await t.http
        .get(`/v1/events?source_id=${m.sourceId + 1}`)
        .set(bearer(m.token));
      expect([foreign.status, foreign.body.reason]).toEqual([403, 'source_id_mismatch']);
      const badType = await t.http.get('/v1/events?type=payment.exploded').set(bearer(m.token));
      expect([badType.status, badType.body.reason]).toEqual([400, 'validation_failed']);
    });
  });

  describe('retries', () => {
    it('retries after a 500 with a fresh signature, and stops once the merchant answers 200', async () => {
      const hook = await receiver((_hit, i) =>
        i === 0 ? { status: 500, body: 'try later' } : { status: 200 },
      );
      const m = await createMerchant(t, { notify_url: hook.url() });
      const { eventId } = await paidOrder(t, m);
      const event = await waitForEvent(
        t,
        m.token,
        eventId,
        (e) => e.delivery_status === 'delivered',
        'delivered after a retry',
      );
      expect(event.next_attempt_at).toBeNull();
      expect(event.attempts!.map((a) => [a.attempt, a.status_code, a.error])).toEqual([
        [1, 500, 'HTTP 500'],
        [2, 200, null],
      ]);
      expect(event.attempts![0].response_excerpt).toBe('try later');
      const gap =
        Date.parse(event.attempts![1].attempted_at) - Date.parse(event.attempts![0].attempted_at);
      expect(gap).toBeGreaterThanOrEqual(1000);
      const hits = hook.hitsFor(eventId);
      expect(hits).toHaveLength(2);
      expect(signatureParts(hits[1]).t).toBeGreaterThan(signatureParts(hits[0]).t);
      for (const hit of hits) {
        expect(
          verifyWebhookSignature(
            hit.body,
            hit.headers['paygate-signature'] as string,
            m.webhookSecret,
          ),
        ).toBe(true);
      }
    });

    it('times out a receiver that hangs and retries it', async () => {
      const hook = await receiver((_hit, i) => (i === 0 ? 'hang' : { status: 204 }));
      const m = await createMerchant(t, { notify_url: hook.url() });
      const { eventId } = await paidOrder(t, m);
      const event = await waitForEvent(
        t,
        m.token,
        eventId,
        (e) => e.delivery_status === 'delivered',
        'delivered after a timeout',
      );
      expect(event.attempts!.map((a) => [a.status_code, a.error])).toEqual([
        [null, 'timed out after 1000 ms'],
        [204, null],
      ]);
      expect(event.attempts![0].latency_ms).toBeGreaterThanOrEqual(990);
      expect(event.attempts![0].latency_ms).toBeLessThan(5000);
    });

    it('marks the event failed after the last attempt when the receiver stays down, leaving the order as it was', async () => {
      const down = await receiver();
      const url = down.url();
      await down.close();
      const m = await createMerchant(t, { notify_url: url });
      const { order, eventId } = await paidOrder(t, m);
      const event = await waitForEvent(
        t,
        m.token,
        eventId,
        (e) => e.delivery_status === 'failed',
        'failed',
      );
      expect(event).toMatchObject({ attempt_count: 4, next_attempt_at: null, delivered_at: null });
      expect(event.attempts!.map((a) => [a.attempt, a.status_code, a.error])).toEqual([
        [1, null, 'connection refused'],
        [2, null, 'connection refused'],
        [3, null, 'connection refused'],
        [4, null, 'connection refused'],
      ]);
      expect(await getOrder(t, m.token, order.order_id)).toEqual(order);
      const failed = await t.http
        .get('/v1/events?delivery_status=failed')
        .set(bearer(m.token))
        .expect(200);
      expect(failed.body.data.items.map((e: WebhookEvent) => e.id)).toEqual([eventId]);
    });

    it('without a notify_url the attempts fail and say why; after setting one, a redelivery delivers', async () => {
      const m = await createMerchant(t);
      const { eventId } = await paidOrder(t, m);
      const waiting = await waitForEvent(
        t,
        m.token,
        eventId,
        (e) => e.attempt_count >= 1,
        'a first attempt',
      );
      expect(waiting.attempts![0]).toMatchObject({
        url: null,
        status_code: null,
        error: 'the merchant has no notify_url',
      });
      const hook = await receiver();
      await t.http
        .patch(`/v1/merchants/${m.sourceId}`)
        .set(bearer(m.token))
        .send({ notify_url: hook.url() })
        .expect(200);
      await t.http.post(`/v1/events/${eventId}/redeliver`).set(bearer(m.token)).expect(200);
      const event = await waitForEvent(
        t,
        m.token,
        eventId,
        (e) => e.delivery_status === 'delivered',
        'delivered after setting notify_url',
      );
      expect(event.attempts!.at(-1)).toMatchObject({ status_code: 200, url: hook.url() });
      expect(hook.hitsFor(eventId)).toHaveLength(1);
    });
  });

  describe('webhook secret rotation', () => {
    it('signs with the new and the old secret during the grace period, then with the new one only', async () => {
      const hook = await receiver();
      const m = await createMerchant(t, { notify_url: hook.url() });
      const other = await createMerchant(t, { name: 'Other Shop' });
      const refused = await t.http
        .post(`/v1/merchants/${m.sourceId}/webhook-secret`)
        .set(bearer(other.token));
      expect([refused.status, refused.body.reason]).toEqual([404, 'merchant_not_found']);

      const { eventId } = await paidOrder(t, m);
      const [before] = await hitsOf(hook, eventId);
      expect(signatureParts(before).v1).toHaveLength(1);

      const rotate = () =>
        t.http
          .post(`/v1/merchants/${m.sourceId}/webhook-secret`)
          .set(bearer(m.token))
          .set('idempotency-key', `rotate-${m.sourceId}`);
      const res = await rotate().expect(201);
      const { webhook_secret: secret, previous_secret_expires_at: until } = res.body.data;
      expect(res.body.data).toEqual({
        source_id: m.sourceId,
        webhook_secret: expect.stringMatching(/^whsec_/),
        previous_secret_expires_at: expect.any(String),
      });
      expect(secret).not.toBe(m.webhookSecret);
      await t.http.post(`/v1/events/${eventId}/redeliver`).set(bearer(m.token)).expect(200);
      // a retried request does not rotate a second time (which would drop the old secret)
      const replay = await rotate().expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.data.webhook_secret).toBe(secret);

      const during = (await hitsOf(hook, eventId, 2))[1];
      expect(during.at).toBeLessThan(Date.parse(until));
      const header = during.headers['paygate-signature'] as string;
      expect(signatureParts(during).v1).toHaveLength(2);
      expect(verifyWebhookSignature(during.body, header, secret)).toBe(true);
      expect(verifyWebhookSignature(during.body, header, m.webhookSecret)).toBe(true);

      await eventually(async () => Date.now() > Date.parse(until), 10000, 'the grace to end');
      await t.http.post(`/v1/events/${eventId}/redeliver`).set(bearer(m.token)).expect(200);
      const after = (await hitsOf(hook, eventId, 3))[2];
      const afterHeader = after.headers['paygate-signature'] as string;
      expect(signatureParts(after).v1).toHaveLength(1);
      expect(verifyWebhookSignature(after.body, afterHeader, secret)).toBe(true);
      expect(verifyWebhookSignature(after.body, afterHeader, m.webhookSecret)).toBe(false);

      const audit = await t.http
        .get(`/v1/admin/audit-logs?action=webhook_secret.rotate&target_id=${m.sourceId}`)
        .set(bearer(await t.adminToken()))
        .expect(200);
      expect(audit.body.data.items.map((a: { result: string }) => a.result)).toContain('success');
      expect(JSON.stringify(audit.body.data.items)).not.toContain(secret);
    });

    it('lets an admin rotate any merchant, and keeps the new secret sealed at rest', async () => {
      const m = await createMerchant(t);
      const res = await t.http
        .post(`/v1/merchants/${m.sourceId}/webhook-secret`)
        .set(bearer(await t.adminToken()))
        .expect(201);
      const rows: { webhook_secret: string; webhook_secret_previous: string }[] = await t.app
        .get(Database)
        .run((em) =>
          Database.sql<{ webhook_secret: string; webhook_secret_previous: string }>(
            em,
            `SELECT webhook_secret, webhook_secret_previous FROM merchants WHERE source_id = :id`,
            { id: m.sourceId },
          ).then((r) => r.rows),
        );
      expect(rows[0].webhook_secret).not.toContain(res.body.data.webhook_secret);
      expect(rows[0].webhook_secret_previous).not.toContain(m.webhookSecret);
      expect(rows[0].webhook_secret).toMatch(/^v2:/);
    });
  });
});

describe(`webhook redelivery and failures with a long retry schedule (${testEngine()})`, () => {
  let t: TestApp;
  let hook: WebhookReceiver;

  beforeAll(async () => {
    // the default 10 s timeout: the test, not the clock, ends the attempt in flight
    t = await startTestApp({ ...FAST, WEBHOOK_RETRY_SCHEDULE: '600', WEBHOOK_TIMEOUT_MS: '10000' });
    await createSandboxChannel(t);
  });
  afterAll(async () => {
    await t.close();
    await hook?.close();
  });

  it('a redelivery asked for while an attempt is in flight is not undone by that attempt failing', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    hook = await WebhookReceiver.start((_hit, i) =>
      i === 0 ? { status: 500, after: gate } : { status: 200 },
    );
    const m = await createMerchant(t, { notify_url: hook.url() });
    const { eventId } = await paidOrder(t, m);
    await hitsOf(hook, eventId);
    const res = await t.http.post(`/v1/events/${eventId}/redeliver`).set(bearer(m.token));
    expect([res.status, res.body.data.delivery_status]).toEqual([200, 'pending']);
    release();
    // without the redelivery the 500 would push the next attempt 600 s away
    const event = await waitForEvent(
      t,
      m.token,
      eventId,
      (e) => e.delivery_status === 'delivered',
      'delivered right after the in-flight failure',
    );
    expect(event.attempts!.map((a) => a.status_code)).toEqual([500, 200]);
    expect(hook.hitsFor(eventId)).toHaveLength(2);
  });

  it('records an attempt that could not be signed and moves on along the schedule', async () => {
    const m = await createMerchant(t, { notify_url: 'http://127.0.0.1:9/never' });
    await t.app.get(Database).run((em) =>
      Database.sql(em, `UPDATE merchants SET webhook_secret = :bad WHERE source_id = :id`, {
        bad: 'v1:not:a:secret',
        id: m.sourceId,
      }),
    );
    const { eventId } = await paidOrder(t, m);
    const event = await waitForEvent(
      t,
      m.token,
      eventId,
      (e) => e.attempt_count === 1,
      'the unsigned attempt',
    );
    expect(event).toMatchObject({
      delivery_status: 'pending',
      next_attempt_at: expect.any(String),
    });
    expect(Date.parse(event.next_attempt_at!)).toBeGreaterThan(Date.now() + 500_000);
    expect(event.attempts![0]).toMatchObject({
      status_code: null,
      error: 'the webhook secret could not be read',
    });
  });
});

describe(`webhook metrics (${testEngine()})`, () => {
  it('shows the due queue and its oldest wait, and counts attempts by outcome', async () => {
    const t = await startTestApp({ ...FAST, JOBS_ENABLED: 'false' });
    try {
      const metric = async (name: string): Promise<number> => {
        const text = (await t.http.get('/metrics').expect(200)).text;
        const line = new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
        if (!line) throw new Error(`${name} is not on /metrics`);
        return Number(line[1]);
      };
      expect(await metric('paygate_webhook_queue_depth')).toBe(0);
      expect(await metric('paygate_webhook_oldest_due_event_age_seconds')).toBe(0);
      // two events due since 5 s ago, for a merchant code nobody has (so no notify_url)
      await t.app.get(Database).transaction(async (em) => {
        for (const orderId of ['ord_metrics_1', 'ord_metrics_2']) {
          await t.app
            .get(OutboxRepository)
            .append(
              em,
              { sourceId: 999, type: 'payment.succeeded', orderId, data: {} },
              Date.now() - 5000,
            );
        }
      });
      expect(await metric('paygate_webhook_queue_depth')).toBe(2);
      expect(await metric('paygate_webhook_oldest_due_event_age_seconds')).toBeGreaterThanOrEqual(
        5,
      );

      await t.app.get(WebhookDelivery).deliverDue();
      expect(await metric('paygate_webhook_queue_depth')).toBe(0);
      expect(await metric('paygate_webhook_deliveries_total{outcome="retrying"}')).toBe(2);
      expect(await metric('paygate_webhook_deliveries_total{outcome="delivered"}')).toBe(0);
    } finally {
      await t.close();
    }
  });
});

describe(`webhook delivery by two instances on one database (${testEngine()})`, () => {
  let database: ScratchDatabase;
  let a: TestApp;
  let b: TestApp;
  let hook: WebhookReceiver;

  beforeAll(async () => {
    // a generous timeout: what is checked is who attempts, not how long an answer may take
    const env = {
      ...FAST,
      WEBHOOK_CONCURRENCY: '3',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      WEBHOOK_TIMEOUT_MS: '10000',
    };
    database = await createScratchDatabase();
    a = await startTestApp(env, database);
    b = await startTestApp({ ...env, MIGRATIONS_RUN: 'false' }, database);
    // slow answers keep attempts in flight across many polls of both instances
    hook = await WebhookReceiver.start((hit) => {
      const id = String(hit.headers['paygate-event-id']);
      const seen = hook.hitsFor(id).length;
      return seen === 1 ? { status: 500, delayMs: 150 } : { status: 200, delayMs: 150 };
    });
    await createSandboxChannel(a);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await hook.close();
    await database.drop();
  });

  it('attempts every event once per scheduled attempt: 500 then 200, never twice at once', async () => {
    const m = await createMerchant(a, { notify_url: hook.url() });
    const events = await Promise.all(Array.from({ length: 8 }, () => paidOrder(a, m)));
    for (const { eventId } of events) {
      const event = await waitForEvent(
        a,
        m.token,
        eventId,
        (e) => e.delivery_status === 'delivered',
        `${eventId} delivered`,
        30000,
      );
      expect(event.attempts!.map((x) => x.status_code)).toEqual([500, 200]);
      expect(hook.hitsFor(eventId)).toHaveLength(2);
    }
    expect(hook.hits).toHaveLength(16);
    const instances: { delivered_by: string }[] = await a.app
      .get(Database)
      .run((em) =>
        Database.sql<{ delivered_by: string }>(
          em,
          `SELECT delivered_by FROM webhook_attempts`,
        ).then((r) => r.rows),
      );
    expect(instances).toHaveLength(16);
  });

  it('never hands one event to two claimers, however many claim at once', async () => {
    const e = await startTestApp({ JOBS_ENABLED: 'false' });
    const f = await startTestApp({ JOBS_ENABLED: 'false', MIGRATIONS_RUN: 'false' }, e.database);
    try {
      const now = Date.now();
      await e.app.get(Database).transaction(async (em) => {
        for (let i = 0; i < 40; i++) {
          await e.app
            .get(OutboxRepository)
            .append(
              em,
              { sourceId: 1, type: 'payment.succeeded', orderId: `ord_claim_${i}`, data: {} },
              now,
            );
        }
      });
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, i) => {
          const app = i % 2 === 0 ? e : f;
          return app.app.get(Database).run((em) =>
            app.app.get(WebhookEventsRepository).claimDue(em, {
              token: `claimer/${i}`,
              now: Date.now(),
              leaseMs: 60_000,
              limit: 5,
            }),
          );
        }),
      );
      const ids = claims.flat().map((event) => event.id);
      expect(ids.length).toBeGreaterThan(0);
      // none takes more than it asked for, however the others' locks fall
      expect(Math.max(...claims.map((claimed) => claimed.length))).toBeLessThanOrEqual(5);
      expect(new Set(ids).size).toBe(ids.length);
      const holders: { id: string; claimed_by: string }[] = await e.app
        .get(Database)
        .run((em) =>
          Database.sql<{ id: string; claimed_by: string }>(
            em,
            `SELECT id, claimed_by FROM webhook_events WHERE claimed_by IS NOT NULL`,
          ).then((r) => r.rows),
        );
      expect(holders).toHaveLength(ids.length);
      claims.forEach((claimed, i) =>
        claimed.forEach((event) =>
          expect(holders.find((h) => h.id === event.id)?.claimed_by).toBe(`claimer/${i}`),
        ),
      );
    } finally {
      await f.close();
      await e.close();
    }
  });

  it('takes over the events of a worker that died holding their claim, once the claim expires', async () => {
    const hook2 = await WebhookReceiver.start();
    const c = await startTestApp({ ...FAST, JOBS_ENABLED: 'false' });
    // the survivor runs beside it from the start; its worker is driven by hand below
    const d = await startTestApp(
      { ...FAST, JOBS_ENABLED: 'false', MIGRATIONS_RUN: 'false' },
      c.database,
    );
    let cClosed = false;
    try {
      await createSandboxChannel(c);
      const m = await createMerchant(c, { notify_url: hook2.url() });
      const { eventId } = await paidOrder(c, m);
      // the dying worker: claims the event, then its process is gone before the attempt ends
      const now = Date.now();
      const until = now + 8000;
      const claimed = await c.app
        .get(Database)
        .run((em) =>
          c.app
            .get(WebhookEventsRepository)
            .claimDue(em, { token: 'dead-worker/1', now, leaseMs: until - now, limit: 10 }),
        );
      expect(claimed.map((e) => e.id)).toEqual([eventId]);
      await c.app.close();
      cClosed = true;

      const worker = d.app.get(WebhookDelivery);
      // while the claim lasts, nobody else may attempt the event
      await worker.deliverDue();
      expect(Date.now()).toBeLessThan(until);
      expect(hook2.hits).toHaveLength(0);
      // the surviving instance's worker passes until the claim has expired and it can deliver
      await eventually(
        async () => {
          await worker.deliverDue();
          return hook2.hitsFor(eventId).length > 0;
        },
        20000,
        'the surviving instance to deliver',
      );
      const event = await getEvent(d, m.token, eventId);
      expect(event.delivery_status).toBe('delivered');
      expect(event.attempts).toHaveLength(1);
      expect(Date.parse(event.attempts![0].attempted_at)).toBeGreaterThanOrEqual(until);
      expect(hook2.hitsFor(eventId)).toHaveLength(1);
    } finally {
      if (!cClosed) await c.app.close();
      await d.close();
      await c.database.drop();
      await hook2.close();
    }
  });
});

describe(`SSRF guard on notify_url at registration and at delivery (${testEngine()})`, () => {
  let t: TestApp;
  let listener: WebhookReceiver;
  let outside: PublicEndpoint;
  let admin: { authorization: string };

  beforeAll(async () => {
    t = await startTestApp({
      ...FAST,
      WEBHOOK_ALLOW_PRIVATE: 'false',
      WEBHOOK_RETRY_SCHEDULE: '600',
    });
    admin = bearer(await t.adminToken());
    // an inner service: IPv4 and IPv6 loopback, and every address of this host, on one port
    listener = await WebhookReceiver.start(undefined, '::');
    // a public address the guard permits: it answers, or redirects to the inner service
    outside = await startPublicEndpoint({
      '/ok': { status: 200, body: 'ok' },
      '/redirect': {
        status: 302,
        headers: { location: `http://127.0.0.1:${listener.port}/inner` },
      },
    });
    await createSandboxChannel(t);
  });
  afterAll(async () => {
    await t.close();
    await outside.close();
    await listener.close();
  });

  const forms = (port: number): [string, string][] => [
    ['loopback', `http://127.0.0.1:${port}/hook`],
    ['loopback, short form', `http://127.1:${port}/hook`],
    ['loopback, decimal', `http://2130706433:${port}/hook`],
    ['loopback, hex', `http://0x7f000001:${port}/hook`],
    ['loopback, dotted hex', `http://0x7f.0x0.0x0.0x1:${port}/hook`],
    ['loopback, octal', `http://0177.0.0.1:${port}/hook`],
    ['IPv6 loopback', `http://[::1]:${port}/hook`],
    ['IPv4-mapped IPv6', `http://[::ffff:127.0.0.1]:${port}/hook`],
    ['IPv4-mapped IPv6, hex', `http://[::ffff:7f00:1]:${port}/hook`],
    ['unspecified (reaches loopback on Linux)', `http://0.0.0.0:${port}/hook`],
    ['IPv6 unspecified', `http://[::]:${port}/hook`],
    ['a name resolving to loopback', `http://localhost:${port}/hook`],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['link-local IPv6', `http://[fe80::1]:${port}/hook`],
    ['unique-local IPv6', `http://[fd00::2]:${port}/hook`],
    ['private 10/8', `http://10.0.0.5:${port}/hook`],
    ['private 172.16/12', `http://172.16.0.1:${port}/hook`],
    ['private 192.168/16', `http://192.168.1.1:${port}/hook`],
    ['carrier-grade NAT', `http://100.64.0.1:${port}/hook`],
    ['reserved (documentation)', `http://192.0.2.2:${port}/hook`],
    ['credentials in the URL', `http://user:pw@127.0.0.1:${port}/hook`],
    ['ftp scheme', `ftp://127.0.0.1:${port}/hook`],
    ['file scheme', 'file:///etc/passwd'],
    ['gopher scheme', `gopher://127.0.0.1:${port}/_hook`],
  ];

  it.each(forms(1).map(([name], i) => [name, i]))(
    'refuses %s at registration and at delivery, with no connection made',
    async (_name, index) => {
      const url = forms(listener.port)[index][1];
      const m = await createMerchant(t);
      const registration = await t.http
        .patch(`/v1/merchants/${m.sourceId}`)
        .set(admin)
        .send({ notify_url: url });
      expect([registration.status, registration.body.reason]).toEqual([400, 'invalid_notify_url']);

      await forceNotifyUrl(t, m.sourceId, url);
      const { eventId } = await paidOrder(t, m);
      const event = await waitForEvent(
        t,
        m.token,
        eventId,
        (e) => e.attempt_count === 1,
        'the refused attempt',
      );
      expect(event.delivery_status).toBe('pending');
      expect(event.attempts![0]).toMatchObject({ status_code: null, response_excerpt: null });
      expect(event.attempts![0].error).toMatch(/^notify_url /);
      expect(event.attempts![0].url).not.toContain('pw@');
      expect(listener.hits).toHaveLength(0);
    },
  );

  it('delivers to a permitted (public) endpoint with the guard on', async () => {
    const m = await createMerchant(t, { notify_url: outside.url('/ok') });
    const { eventId } = await paidOrder(t, m);
    const event = await waitForEvent(
      t,
      m.token,
      eventId,
      (e) => e.delivery_status === 'delivered',
      'delivered outside',
    );
    expect(event.attempts![0]).toMatchObject({ status_code: 200, url: outside.url('/ok') });
  });

  it('does not follow a redirect from a permitted endpoint to an inner one: that attempt failed', async () => {
    const m = await createMerchant(t, { notify_url: outside.url('/redirect') });
    const { eventId } = await paidOrder(t, m);
    const event = await waitForEvent(
      t,
      m.token,
      eventId,
      (e) => e.attempt_count === 1,
      'the redirected attempt',
    );
    expect(event.delivery_status).toBe('pending');
    expect(event.attempts![0]).toMatchObject({
      status_code: 302,
      error: 'redirect (HTTP 302) not followed',
    });
    expect(listener.hits).toHaveLength(0);
  });
});
