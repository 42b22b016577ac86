import { ChannelRuntime } from '../src/channels/channel-runtime.service';
import { PaymentSync } from '../src/payments/payment-sync.service';
import { createOrder, createSandboxChannel, Order, payOrder } from './helpers/payments';
import { createScratchDatabase, ScratchDatabase, testEngine } from './helpers/scratch-database';
import { createMerchant, startTestApp, TestApp, TestMerchant } from './helpers/test-app';
import { WebhookReceiver } from './helpers/webhook-receiver';

const eventually = async <T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

const ids = (orders: Order[]) => orders.map((o) => `'${o.order_id}'`).join(', ');

describe(`background queues with backlogs on ${testEngine()}`, () => {
  describe('two instances sweeping one database', () => {
    let database: ScratchDatabase;
    let a: TestApp;
    let b: TestApp;
    let m: TestMerchant;

    beforeAll(async () => {
      database = await createScratchDatabase();
      // a batch is 10 rounds of 4 provider calls: 40 orders
      const env = { PAYMENT_SYNC_CONCURRENCY: '4', RATE_LIMIT_PER_SECOND: '10000' };
      a = await startTestApp(env, database);
      b = await startTestApp(env, database);
      await createSandboxChannel(a);
      // its notifications are lost: only asking the channel tells of a payment
      await createSandboxChannel(
        a,
        { code: 'sandbox_silent', name: 'Silent', priority: 0 },
        { notify_drop_rate: 1 },
      );
      m = await createMerchant(a);
      // b learns of channels made through a at its next reload (every second); not later than now
      await b.app.get(ChannelRuntime).refresh();
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await database?.drop();
    });

    it('close every expired order exactly once between them, and apply a late payment instead of closing', async () => {
      const expired: Order[] = [];
      for (let i = 0; i < 240; i++)
        expired.push(await createOrder(i % 2 ? a : b, m, { merchant_order_no: `exp-${i}` }));
      const paidLate = await createOrder(a, m, {
        merchant_order_no: 'paid-late',
        channel: 'sandbox_silent',
      });
      expect((await payOrder(a, paidLate)).status).toBeLessThan(300);
      await a.dataSource.query(
        `UPDATE orders SET expires_at = 0 WHERE order_id IN (${ids([...expired, paidLate])})`,
      );

      // both sweep at once, as their jobs do: batch after batch until a claim finds nothing
      const drain = async (t: TestApp) => {
        const claimed: number[] = [];
        for (;;) {
          const pass = await t.app.get(PaymentSync).expireBatch();
          if (pass.claimed === 0) return claimed;
          expect(pass.claimed).toBeLessThanOrEqual(40); // 10 rounds of 4
          claimed.push(pass.claimed);
        }
      };
      const claimed = (await Promise.all([drain(a), drain(b)])).flat();
      expect(claimed.reduce((sum, n) => sum + n, 0)).toBe(241);

      const statuses = await a.dataSource.query(
        `SELECT status, COUNT(*) AS n FROM orders WHERE order_id IN (${ids(expired)}) GROUP BY status`,
      );
      expect(statuses.map((r: { status: string; n: unknown }) => [r.status, Number(r.n)])).toEqual([
        ['CLOSED', 240],
      ]);
      const events = await a.dataSource.query(
        `SELECT order_id, type, sequence FROM webhook_events WHERE source_id = ${m.sourceId}`,
      );
      const byOrder = new Map<string, { type: string; sequence: number }[]>();
      for (const e of events as { order_id: string; type: string; sequence: unknown }[])
        byOrder.set(e.order_id, [
          ...(byOrder.get(e.order_id) ?? []),
          { type: e.type, sequence: Number(e.sequence) },
        ]);
      for (const order of expired)
        expect({ order: order.order_id, events: byOrder.get(order.order_id) }).toEqual({
          order: order.order_id,
          events: [{ type: 'payment.closed', sequence: 1 }],
        });
      expect(byOrder.get(paidLate.order_id)).toEqual([{ type: 'payment.succeeded', sequence: 1 }]);
      const [late] = await a.dataSource.query(
        `SELECT status FROM orders WHERE order_id = '${paidLate.order_id}'`,
      );
      expect(late.status).toBe('SUCCEEDED');

      // the work was shared: each instance closed some of the orders under its own claims
      const owners = await a.dataSource.query(
        `SELECT DISTINCT claimed_by FROM orders WHERE order_id IN (${ids(expired)})`,
      );
      const instances = new Set(
        owners.map((r: { claimed_by: string }) => r.claimed_by.split('/')[0]),
      );
      expect(instances.size).toBe(2);
    });

    it('leave an order whose channel does not answer to a later pass, claimed meanwhile by no one', async () => {
      const order = await createOrder(a, m, { merchant_order_no: 'silent-channel' });
      await a.dataSource.query(
        `UPDATE orders SET expires_at = 0 WHERE order_id = '${order.order_id}'`,
      );
      // the channel times out on every call from now on
      const sync = a.app.get(PaymentSync);
      const gateway = (sync as unknown as { channels: { queryPayment: unknown } }).channels;
      const { ProviderError } = await import('../src/channels/providers/payment-provider.port');
      const spy = jest
        .spyOn(gateway, 'queryPayment' as never)
        .mockRejectedValue(new ProviderError('timeout', 'no answer') as never);
      try {
        expect((await sync.expireBatch()).claimed).toBe(1);
        // held for a while: neither instance takes it again at once
        expect((await b.app.get(PaymentSync).expireBatch()).claimed).toBe(0);
        expect((await sync.expireBatch()).claimed).toBe(0);
      } finally {
        spy.mockRestore();
      }
      const [row] = await a.dataSource.query(
        `SELECT status FROM orders WHERE order_id = '${order.order_id}'`,
      );
      expect(row.status).toBe('PENDING');
    });
  });

  describe('one instance with its jobs running', () => {
    let t: TestApp;
    let m: TestMerchant;
    let receiver: WebhookReceiver;

    beforeAll(async () => {
      receiver = await WebhookReceiver.start();
      t = await startTestApp({
        JOBS_ENABLED: 'true',
        // a batch of 20 orders, 2 webhook attempts at a time, a webhook poll every second
        PAYMENT_SYNC_CONCURRENCY: '2',
        WEBHOOK_CONCURRENCY: '2',
        WEBHOOK_POLL_INTERVAL_MS: '1000',
        RATE_LIMIT_PER_SECOND: '10000',
      });
      await createSandboxChannel(t);
      m = await createMerchant(t, { notify_url: receiver.url() });
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
    });

    it('drains a backlog batch after batch without waiting for the next tick, and delivers its events as fast', async () => {
      const orders: Order[] = [];
      for (let i = 0; i < 120; i++)
        orders.push(await createOrder(t, m, { merchant_order_no: `backlog-${i}` }));
      await t.dataSource.query(
        `UPDATE orders SET expires_at = 0 WHERE order_id IN (${ids(orders)})`,
      );
      const closedAt = await eventually(
        async () => {
          const rows = await t.dataSource.query(
            `SELECT closed_at FROM orders WHERE order_id IN (${ids(orders)}) AND status = 'CLOSED'`,
          );
          return rows.length === orders.length
            ? rows.map((r: { closed_at: unknown }) => Number(r.closed_at))
            : undefined;
        },
        30_000,
        'the sweep to close 120 orders',
      );
      // six batches of 20 one after the other: a batch a tick (5 s) would spread them over
      // 25 s, and even batches of 50 over three ticks, 10 s
      expect(Math.max(...closedAt) - Math.min(...closedAt)).toBeLessThan(10_000);

      const delivered = await eventually(
        async () => {
          const ids = new Set(receiver.hits.map((h) => JSON.parse(h.body).id as string));
          return ids.size >= orders.length ? receiver.hits : undefined;
        },
        30_000,
        'the 120 payment.closed events to be delivered',
      );
      // 2 slots and a poll a second would take a minute; refilling freed slots at once, the
      // last event arrives soon after the last order closed
      const lastDelivery = Math.max(...delivered.map((h) => h.at));
      expect(lastDelivery - Math.max(...closedAt)).toBeLessThan(4000);
      const bodies = delivered.map(
        (h) => JSON.parse(h.body) as { id: string; type: string; sequence: number },
      );
      expect(new Set(bodies.map((b) => b.id)).size).toBe(bodies.length);
      expect(bodies.every((b) => b.type === 'payment.closed' && b.sequence === 1)).toBe(true);
    });
  });
});
