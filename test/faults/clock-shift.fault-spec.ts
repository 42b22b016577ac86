import { verifyWebhookSignature } from '../../src/webhooks/webhook-signature';
import { ReceivedRequest, WebhookReceiver } from '../helpers/webhook-receiver';
import {
  adminToken,
  call,
  createMerchant,
  createSandboxChannel,
  data,
  eventually,
  Merchant,
  Order,
  orderBody,
  pay,
  token,
  traffic,
} from './support/api';
import { scratchDatabase, ScratchDatabase } from './support/database';
import { FakeClock } from './support/fake-clock';
import { reportFigures, tally } from './support/figures';
import { deploymentEnv, PaygateProcess } from './support/paygate-process';

/**
 * TESTING.md 10: paygate's wall clock moved under it (libfaketime), as when a server's clock is
 * stepped. Tokens expire by the clock that issued them (TOKEN_TTL_SECONDS 7200: a token from
 * before a 3 h step is refused `token_expired` after it); webhook signatures carry the
 * process's time, so a merchant checking them against a correct clock with the usual 300 s
 * tolerance refuses them; and the settlement day ends at midnight in SETTLEMENT_TZ: a payment
 * at 23:59:50 Asia/Shanghai and one at 00:00:10 land on two days' bills.
 */
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const TZ = 'Asia/Shanghai';

describe.each(['postgres', 'sqlite'] as const)('clock shifts on %s', (engine) => {
  let database: ScratchDatabase | undefined;
  let clock: FakeClock;
  let receiver: WebhookReceiver;
  let paygate: PaygateProcess;
  let merchant: Merchant;
  const expected: Record<string, number> = {};
  let lost = 0;
  let refusedWebhooks = 0;
  let calls: ReturnType<typeof traffic.since>;

  beforeAll(async () => {
    calls = traffic.since();
    database = await scratchDatabase(engine);
    const databaseUrl = database.url;
    clock = FakeClock.create();
    receiver = await WebhookReceiver.start();
    paygate = await PaygateProcess.start('clocked', {
      ...deploymentEnv(databaseUrl),
      ...clock.env(),
      JOBS_ENABLED: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '100',
      SETTLEMENT_TZ: TZ,
      TOKEN_TTL_SECONDS: '7200',
    });
    const admin = await adminToken(paygate.url);
    merchant = await createMerchant(paygate.url, admin, { notify_url: receiver.url() });
    await createSandboxChannel(paygate.url, admin);
  });

  afterAll(async () => {
    await paygate?.stop();
    await receiver?.close();
    database?.destroy();
    clock?.destroy();
    reportFigures(`clock-shift-${engine}`, {
      sent: calls.sent(),
      answered2xx: calls.count((s) => s >= 200 && s < 300),
      failedAsExpected: Object.values(expected).reduce((x, y) => x + y, 0),
      lost,
      expected,
      notes: { webhooks_refused_by_a_300s_tolerance: refusedWebhooks },
    });
  });

  /** Creates an order, pays it at the sandbox, and waits for its webhook. */
  const paidWithWebhook = async (
    n: number,
  ): Promise<{ order: Order; hit: ReceivedRequest; paid: Order }> => {
    const order = await data<Order>(paygate.url, 'POST', '/v1/payments/create', {
      token: merchant.token,
      body: orderBody(merchant, n),
    });
    await pay(paygate.url, order);
    const hit = await eventually(
      async () => receiver.hits.find((h) => JSON.parse(h.body).data?.order_id === order.order_id),
      15_000,
      `the webhook of ${order.order_id}`,
    );
    const paid = await data<Order>(paygate.url, 'GET', `/v1/payments/${order.order_id}`, {
      token: merchant.token,
    });
    return { order, hit, paid };
  };

  it('signs webhooks with the process’s time: in step, a receiver with 300 s tolerance accepts them', async () => {
    const { hit } = await paidWithWebhook(1);
    const header = String(hit.headers['paygate-signature']);
    expect(verifyWebhookSignature(hit.body, header, merchant.webhookSecret)).toBe(true);
  });

  it('refuses a token issued before a 3 h step once its 2 h have passed by the new clock', async () => {
    const before = merchant.token;
    clock.shift(HOUR_MS);
    const within = await call(paygate.url, 'GET', '/v1/merchants/me', { token: before });
    expect(within.status).toBe(200);
    clock.shift(2 * HOUR_MS);
    const refused = await call(paygate.url, 'GET', '/v1/merchants/me', { token: before });
    expect(refused.status).toBe(401);
    expect((refused.body as { reason: string }).reason).toBe('token_expired');
    tally(expected, '401 token_expired');
    merchant.token = await token(paygate.url, merchant.clientId, merchant.clientSecret);
    const fresh = await call(paygate.url, 'GET', '/v1/merchants/me', { token: merchant.token });
    expect(fresh.status).toBe(200);
  });

  it('signs webhooks with the shifted time after the step, which that receiver refuses', async () => {
    const { hit } = await paidWithWebhook(2);
    const header = String(hit.headers['paygate-signature']);
    const t = Number(/t=(\d+)/.exec(header)?.[1]);
    expect(Math.abs(t * 1000 - (Date.now() + 3 * HOUR_MS))).toBeLessThan(30_000);
    // by paygate's own clock the signature is right; by the merchant's correct clock it is not
    // fresh, so it is refused as a replay would be
    expect(
      verifyWebhookSignature(hit.body, header, merchant.webhookSecret, { now: clock.now() }),
    ).toBe(true);
    expect(verifyWebhookSignature(hit.body, header, merchant.webhookSecret)).toBe(false);
    refusedWebhooks++;
  });

  it('puts a payment at 23:59:50 and one at 00:00:10 (Asia/Shanghai) on two days’ bills', async () => {
    // a day none of the earlier payments (at most 3 h ahead) can fall on; the clock only
    // ever moves forward
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(Date.now() + 2 * DAY_MS);
    const next = new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(
      Date.parse(`${day}T12:00:00+08:00`) + DAY_MS,
    );
    const midnight = Date.parse(`${next}T00:00:00+08:00`);

    clock.setTo(midnight - 10_000);
    merchant.token = await token(paygate.url, merchant.clientId, merchant.clientSecret);
    const late = (await paidWithWebhook(3)).paid;
    clock.setTo(midnight + 10_000);
    merchant.token = await token(paygate.url, merchant.clientId, merchant.clientSecret);
    const early = (await paidWithWebhook(4)).paid;
    expect(Date.parse(late.paid_at as string)).toBeLessThan(midnight);
    expect(Date.parse(early.paid_at as string)).toBeGreaterThanOrEqual(midnight);

    const admin = await adminToken(paygate.url);
    for (const date of [day, next])
      await data(paygate.url, 'POST', '/v1/clearing/runs', { token: admin, body: { date } });
    const billOf = async (date: string) => {
      const page = await data<{ items: Bill[] }>(
        paygate.url,
        'GET',
        `/v1/clearing/bills?date=${date}`,
        { token: merchant.token },
      );
      expect(page.items).toHaveLength(1);
      const bill = page.items[0];
      const lines = await data<{ lines: { items: { order_id: string }[] } }>(
        paygate.url,
        'GET',
        `/v1/clearing/bills/${bill.bill_id}`,
        { token: merchant.token },
      );
      return { ...bill, orders: lines.lines.items.map((l) => l.order_id) };
    };
    const before = await billOf(day);
    const after = await billOf(next);
    expect(before).toEqual(
      expect.objectContaining({
        date: day,
        status: 'final',
        payment_count: 1,
        payment_amount: late.amount,
        orders: [late.order_id],
      }),
    );
    expect(after).toEqual(
      expect.objectContaining({
        date: next,
        status: 'provisional',
        payment_count: 1,
        payment_amount: early.amount,
        orders: [early.order_id],
      }),
    );
    if (!before.orders.includes(late.order_id)) lost++;
    if (!after.orders.includes(early.order_id)) lost++;
  });
});

interface Bill {
  bill_id: string;
  date: string;
  status: string;
  payment_count: number;
  payment_amount: number;
}
