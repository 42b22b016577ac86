import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ChannelAttemptError, ChannelGateway } from '../src/channels/channel-gateway';
import {
  CreatePaymentRequest,
  NotificationRejectedError,
  ProviderError,
  RefundRequest,
} from '../src/channels/providers/payment-provider.port';
import {
  seededFraction,
  signNotification,
} from '../src/channels/providers/sandbox/sandbox-signing';
import { settlementDate } from '../src/common/time';
import { testEngine } from './helpers/scratch-database';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';

const SECRET = 'sandbox-secret-for-notices-0123';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Stands in for the gateway's /v1/notify/{code}: records what the sandbox sends. */
class Receiver {
  readonly received: Received[] = [];
  /** Answers this many deliveries with 500 before accepting. */
  failNext = 0;
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        this.received.push({ path: req.url ?? '', headers: req.headers, body });
        if (this.failNext > 0) {
          this.failNext--;
          res.writeHead(500).end('try again');
        } else res.writeHead(200, { 'content-type': 'text/plain' }).end('success');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  of(orderId: string): Received[] {
    return this.received.filter((r) => JSON.parse(r.body).order_id === orderId);
  }

  async waitFor(orderId: string, count: number, ms = 5000): Promise<Received[]> {
    const deadline = Date.now() + ms;
    while (this.of(orderId).length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.of(orderId);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function today(): string {
  return settlementDate(Date.now(), 'Asia/Shanghai');
}

function order(
  orderId: string,
  amount: number,
  expiresAt = Date.now() + 60_000,
): CreatePaymentRequest {
  return {
    orderId,
    amount,
    currency: 'CNY',
    subject: 'Test product',
    productId: 'p1',
    description: null,
    expiresAt,
  };
}

function asNotification(r: Received) {
  return { headers: r.headers, rawBody: r.body, contentType: 'application/json' };
}

describe(`sandbox provider on ${testEngine()}`, () => {
  const receiver = new Receiver();
  let t: TestApp;
  let admin: { authorization: string };
  let merchant: TestMerchant;
  let gateway: ChannelGateway;

  beforeAll(async () => {
    await receiver.start();
    // notifications go to the receiver; pay links are re-pointed at the app below
    t = await startTestApp({ PUBLIC_BASE_URL: receiver.url, RATE_LIMIT_PER_SECOND: '10000' });
    admin = bearer(await t.adminToken());
    merchant = await createMerchant(t);
    gateway = t.app.get(ChannelGateway);
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  const addChannel = async (code: string, config: Record<string, unknown> = {}) => {
    const res = await t.http
      .post('/v1/channels')
      .set(admin)
      .send({ code, name: code, provider: 'sandbox', config: { secret: SECRET, ...config } });
    expect(res.status).toBe(201);
  };
  const candidate = async (code: string) =>
    (
      await gateway.route({
        amount: 100,
        currency: 'CNY',
        sourceId: merchant.sourceId,
        channelCode: code,
      })
    ).candidates[0];
  /** Creates a payment and returns its pay link as a path on the app. */
  const createPayment = async (code: string, request: CreatePaymentRequest) => {
    const result = await gateway.createPayment(await candidate(code), request, today());
    const url = new URL(result.payUrl as string);
    expect(url.origin).toBe(receiver.url);
    return { ...result, path: `${url.pathname}${url.search}` };
  };
  const channelId = async (code: string) => (await candidate(code)).channelId;

  beforeAll(async () => {
    await addChannel('sbx');
  });

  it('creates a payment without a write: a signed pay_url and a derived trade number', async () => {
    const before: { n: unknown }[] = await t.dataSource.query(
      'SELECT COUNT(*) AS n FROM sandbox_payments',
    );
    const created = await createPayment('sbx', order('ord_page', 1234));
    expect(created.channelTradeNo).toMatch(/^sbx_[0-9a-f]{28}$/);
    expect(created.path).toMatch(
      /^\/sandbox\/pay\/ord_page\?channel=sbx&amount=1234&currency=CNY&expires=\d+&sig=/,
    );
    const after: { n: unknown }[] = await t.dataSource.query(
      'SELECT COUNT(*) AS n FROM sandbox_payments',
    );
    expect(Number(after[0].n)).toBe(Number(before[0].n));
    const query = await gateway.queryPayment(
      await channelId('sbx'),
      'ord_page',
      created.channelTradeNo,
    );
    expect(query).toMatchObject({ status: 'PENDING', channelTradeNo: created.channelTradeNo });
    const wrongTrade = await gateway.queryPayment(await channelId('sbx'), 'ord_page', 'sbx_other');
    expect(wrongTrade.status).toBe('NOT_FOUND');
  });

  it('serves a self-contained pay page in yuan with Pay and Fail buttons', async () => {
    const { path } = await createPayment('sbx', order('ord_html', 1234));
    const page = await t.http.get(path).set('accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('12.34 CNY');
    expect(page.text).toMatch(/<form method="post"[^>]*>.*name="outcome" value="success".*>Pay</s);
    expect(page.text).toContain('value="fail"');
    expect(page.text).not.toMatch(/<script|src="http|href="http/);
  });

  it('refuses a tampered or expired link', async () => {
    const { path } = await createPayment('sbx', order('ord_tamper', 1234));
    const tampered = await t.http
      .get(path.replace('amount=1234', 'amount=1'))
      .set('accept', 'text/html');
    expect([tampered.status, tampered.body.reason]).toEqual([401, 'invalid_signature']);
    const badSig = await t.http
      .post(path.replace(/sig=[^&]+/, 'sig=AAAA'))
      .send({ outcome: 'success' });
    expect([badSig.status, badSig.body.reason]).toEqual([401, 'invalid_signature']);
    const expired = await createPayment('sbx', order('ord_expired', 500, Date.now() - 1000));
    const late = await t.http.post(expired.path).send({ outcome: 'success' });
    expect([late.status, late.body.reason]).toEqual([400, 'payment_link_expired']);
    const missing = await t.http.post('/sandbox/pay/ord_tamper').send({ outcome: 'success' });
    expect([missing.status, missing.body.reason]).toEqual([400, 'validation_failed']);
  });

  it('takes the payment from a script and sends a signed notification the gateway verifies', async () => {
    const { path, channelTradeNo } = await createPayment('sbx', order('ord_paid', 1234));
    const paid = await t.http.post(path).send({ outcome: 'success' });
    expect(paid.status).toBe(200);
    expect(paid.body.data).toEqual({
      order_id: 'ord_paid',
      outcome: 'success',
      status: 'SUCCEEDED',
    });
    const [notice] = await receiver.waitFor('ord_paid', 1);
    expect(notice.path).toBe('/v1/notify/sbx');
    expect(notice.headers['sandbox-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(JSON.parse(notice.body)).toMatchObject({
      id: expect.stringMatching(/^sbn_/),
      type: 'payment',
      order_id: 'ord_paid',
      trade_no: channelTradeNo,
      status: 'SUCCEEDED',
      amount: 1234,
      currency: 'CNY',
    });
    const verified = await gateway.verifyNotification('sbx', asNotification(notice));
    expect(verified).toEqual({
      channelId: await channelId('sbx'),
      code: 'sbx',
      parsed: {
        event: {
          kind: 'payment',
          orderId: 'ord_paid',
          status: 'SUCCEEDED',
          channelTradeNo,
          amount: 1234,
          currency: 'CNY',
          occurredAt: expect.any(Number),
        },
        reply: { status: 200, contentType: 'text/plain', body: 'success' },
      },
    });
    const query = await gateway.queryPayment(await channelId('sbx'), 'ord_paid', channelTradeNo);
    expect(query).toMatchObject({
      status: 'SUCCEEDED',
      amount: 1234,
      currency: 'CNY',
      paidAt: expect.any(Number),
    });

    // the first outcome wins; repeating it is answered the same
    const again = await t.http.post(path).send({ outcome: 'success' });
    expect(again.status).toBe(200);
    const other = await t.http.post(path).type('form').send('outcome=fail');
    expect([other.status, other.body.reason]).toEqual([409, 'invalid_state']);
    const closed = await gateway.closePayment(await channelId('sbx'), 'ord_paid', channelTradeNo);
    expect(closed.status).toBe('SUCCEEDED');
  });

  it('answers a browser form post with an HTML page', async () => {
    const { path } = await createPayment('sbx', order('ord_browser', 800));
    const res = await t.http
      .post(path)
      .type('form')
      .set('accept', 'text/html,application/xhtml+xml,*/*;q=0.8')
      .send('outcome=fail');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('Payment failed');
    const [notice] = await receiver.waitFor('ord_browser', 1);
    expect(JSON.parse(notice.body)).toMatchObject({ status: 'FAILED' });
  });

  it('closes an unpaid trade, after which paying is refused', async () => {
    const { path, channelTradeNo } = await createPayment('sbx', order('ord_close', 900));
    const closed = await gateway.closePayment(await channelId('sbx'), 'ord_close', channelTradeNo);
    expect(closed.status).toBe('CLOSED');
    const pay = await t.http.post(path).send({ outcome: 'success' });
    expect([pay.status, pay.body.reason]).toEqual([409, 'invalid_state']);
  });

  it('refunds within the paid amount, idempotently, completing with a notification', async () => {
    const { path, channelTradeNo } = await createPayment('sbx', order('ord_refund', 1000));
    await t.http.post(path).send({ outcome: 'success' }).expect(200);
    const id = await channelId('sbx');
    const refund = (refundId: string, amount: number): RefundRequest => ({
      orderId: 'ord_refund',
      refundId,
      channelTradeNo,
      amount,
      orderAmount: 1000,
      currency: 'CNY',
      reason: null,
    });
    const first = await gateway.refund(id, refund('rf_1', 600));
    expect(first).toMatchObject({
      status: 'PENDING',
      channelRefundNo: expect.stringMatching(/^sbr_/),
      amount: 600,
    });
    const repeat = await gateway.refund(id, refund('rf_1', 600));
    expect(repeat.channelRefundNo).toBe(first.channelRefundNo);
    await expect(gateway.refund(id, refund('rf_2', 401))).rejects.toMatchObject({
      kind: 'rejected',
    });
    await expect(gateway.refund(id, refund('rf_1', 500))).rejects.toBeInstanceOf(ProviderError);
    const parallel = await Promise.allSettled(
      ['rf_a', 'rf_b', 'rf_c'].map((r) => gateway.refund(id, refund(r, 200))),
    );
    expect(parallel.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(await gateway.queryRefund(id, refund('rf_1', 600))).toMatchObject({
      status: 'SUCCEEDED',
      completedAt: expect.any(Number),
    });
    expect((await gateway.queryRefund(id, refund('rf_none', 1))).status).toBe('NOT_FOUND');
    const notices = (await receiver.waitFor('ord_refund', 4)).filter(
      (r) => JSON.parse(r.body).type === 'refund',
    );
    expect(notices).toHaveLength(3);
    const verified = await gateway.verifyNotification('sbx', asNotification(notices[0]));
    expect(verified.parsed.event).toMatchObject({
      kind: 'refund',
      orderId: 'ord_refund',
      status: 'SUCCEEDED',
    });
    const unpaid = await createPayment('sbx', order('ord_unpaid', 1000));
    await expect(
      gateway.refund(id, {
        ...refund('rf_unpaid', 100),
        orderId: 'ord_unpaid',
        channelTradeNo: unpaid.channelTradeNo,
      }),
    ).rejects.toMatchObject({ kind: 'rejected' });
  });

  it('lists the day’s payments and completed refunds on its statement', async () => {
    const lines = await gateway.fetchStatement('sbx', today());
    expect(lines).toContainEqual(
      expect.objectContaining({
        type: 'payment',
        orderId: 'ord_paid',
        amount: 1234,
        currency: 'CNY',
        fee: null,
        status: 'SUCCEEDED',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        type: 'refund',
        orderId: 'ord_refund',
        refundId: 'rf_1',
        amount: 600,
      }),
    );
    expect(lines.find((l) => l.orderId === 'ord_browser')).toBeUndefined();
    expect(await gateway.fetchStatement('sbx', '2000-01-01')).toEqual([]);
  });

  it('rejects notifications that are tampered with, stale, or for an unknown channel', async () => {
    const [notice] = receiver.of('ord_paid');
    const tampered = { ...asNotification(notice), rawBody: notice.body.replace('1234', '123400') };
    await expect(gateway.verifyNotification('sbx', tampered)).rejects.toBeInstanceOf(
      NotificationRejectedError,
    );
    const stale = Math.floor(Date.now() / 1000) - 301;
    await expect(
      gateway.verifyNotification('sbx', {
        headers: {
          'sandbox-timestamp': String(stale),
          'sandbox-signature': signNotification(SECRET, stale, notice.body),
        },
        rawBody: notice.body,
        contentType: 'application/json',
      }),
    ).rejects.toThrow(/too far/);
    await expect(
      gateway.verifyNotification('nobody', asNotification(notice)),
    ).rejects.toMatchObject({
      reason: 'channel_not_found',
    });
  });

  it('duplicates and drops notifications as configured, and retries until accepted', async () => {
    await addChannel('sbx_dup', { notify_duplicate_rate: 1 });
    await addChannel('sbx_drop', { notify_drop_rate: 1 });
    const dropped = await createPayment('sbx_drop', order('ord_dropped', 100));
    await t.http.post(dropped.path).send({ outcome: 'success' }).expect(200);
    const dup = await createPayment('sbx_dup', order('ord_dup', 100));
    await t.http.post(dup.path).send({ outcome: 'success' }).expect(200);
    const copies = await receiver.waitFor('ord_dup', 2);
    expect(copies).toHaveLength(2);
    expect(JSON.parse(copies[0].body).id).toBe(JSON.parse(copies[1].body).id);
    expect(receiver.of('ord_dropped')).toEqual([]);

    receiver.failNext = 1;
    const retried = await createPayment('sbx', order('ord_retry', 100));
    await t.http.post(retried.path).send({ outcome: 'success' }).expect(200);
    const attempts = await receiver.waitFor('ord_retry', 2, 4000);
    expect(attempts).toHaveLength(2);
    expect(JSON.parse(attempts[0].body).id).toBe(JSON.parse(attempts[1].body).id);
  });

  it('waits notify_delay_ms before notifying and reports refunds pending until then', async () => {
    await addChannel('sbx_later', { notify_delay_ms: 400 });
    const { path, channelTradeNo } = await createPayment('sbx_later', order('ord_later', 300));
    const paidAt = Date.now();
    await t.http.post(path).send({ outcome: 'success' }).expect(200);
    const [notice] = await receiver.waitFor('ord_later', 1);
    expect(notice).toBeDefined();
    expect(Date.now() - paidAt).toBeGreaterThanOrEqual(350);
    const id = await channelId('sbx_later');
    const request: RefundRequest = {
      orderId: 'ord_later',
      refundId: 'rf_later',
      channelTradeNo,
      amount: 300,
      orderAmount: 300,
      currency: 'CNY',
      reason: null,
    };
    await gateway.refund(id, request);
    expect((await gateway.queryRefund(id, request)).status).toBe('PENDING');
    await receiver.waitFor('ord_later', 2);
    expect((await gateway.queryRefund(id, request)).status).toBe('SUCCEEDED');
  });

  it('repeats the same simulated create errors for the same seed', async () => {
    await addChannel('sbx_seeded', { create_error_rate: 0.5, seed: 'repeatable' });
    const outcomes: boolean[] = [];
    for (let i = 0; i < 12; i++) {
      try {
        await gateway.createPayment(
          await candidate('sbx_seeded'),
          order(`ord_seed_${i}`, 100),
          today(),
        );
        outcomes.push(true);
      } catch (error) {
        expect(error).toBeInstanceOf(ChannelAttemptError);
        outcomes.push(false);
      }
    }
    const expected = Array.from(
      { length: 12 },
      (_, n) => seededFraction('repeatable', `sbx_seeded:create_error:${n}`) >= 0.5,
    );
    expect(outcomes).toEqual(expected);
    expect(new Set(outcomes).size).toBe(2);
  });

  it('still verifies notifications and answers queries for a deleted channel', async () => {
    await addChannel('sbx_old');
    const id = await channelId('sbx_old');
    const { path, channelTradeNo } = await createPayment('sbx_old', order('ord_old', 700));
    await t.http.delete('/v1/channels/sbx_old').set(admin).expect(200);
    await t.http.post(path).send({ outcome: 'success' }).expect(200);
    const [notice] = await receiver.waitFor('ord_old', 1);
    await addChannel('sbx_old', { secret: 'a-brand-new-secret-0123456789' });
    const verified = await gateway.verifyNotification('sbx_old', asNotification(notice));
    expect(verified.channelId).toBe(id);
    expect((await gateway.queryPayment(id, 'ord_old', channelTradeNo)).status).toBe('SUCCEEDED');
    expect(await gateway.describe(id)).toEqual({
      code: 'sbx_old',
      provider: 'sandbox',
      feeRateBps: 0,
      fixedFee: 0,
    });
    expect(await gateway.describe('chn_nothing')).toBeNull();
  });
});
