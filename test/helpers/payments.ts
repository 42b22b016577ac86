import { createHmac } from 'node:crypto';
import request from 'supertest';
import { bearer, TestApp, TestMerchant } from './test-app';

export const SANDBOX_SECRET = 'sandbox-test-secret-0123456789abcdef';

/** A sandbox channel created through the admin API, with a known signing secret. */
export async function createSandboxChannel(
  t: TestApp,
  fields: Record<string, unknown> = {},
  config: Record<string, unknown> = {},
) {
  const res = await t.http
    .post('/v1/channels')
    .set(bearer(await t.adminToken()))
    .send({
      code: 'sandbox_main',
      name: 'Sandbox',
      provider: 'sandbox',
      currencies: ['CNY', 'USD', 'JPY'],
      ...fields,
      config: { secret: SANDBOX_SECRET, seed: 42, ...config },
    });
  if (res.status !== 201)
    throw new Error(`channel create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as { code: string };
}

export interface Order {
  order_id: string;
  status: string;
  amount: number;
  pay_url: string;
  channel: string;
  fee_amount: number;
  refunded_amount: number;
  late_payment: boolean;
  [key: string]: unknown;
}

export async function createOrder(
  t: TestApp,
  m: TestMerchant,
  fields: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const res = await t.http
    .post('/v1/payments/create')
    .set(bearer(m.token))
    .set(headers)
    .send({
      source_id: m.sourceId,
      product_id: '123',
      product_name: 'apple',
      amount: 1000,
      ...fields,
    });
  if (res.status !== 201)
    throw new Error(`order create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as Order;
}

/** What a payer does on the sandbox page: press Pay or Fail (a POST to the signed pay_url). */
export function payOrder(
  t: TestApp,
  order: Pick<Order, 'order_id' | 'pay_url'>,
  outcome: 'success' | 'fail' = 'success',
) {
  const url = new URL(order.pay_url);
  return request(t.url).post(`${url.pathname}${url.search}`).send({ outcome });
}

/** A notification as the sandbox signs it, for scripting what a provider could send. */
export function sandboxNotification(
  t: TestApp,
  code: string,
  payload: Record<string, unknown>,
  options: { secret?: string; timestamp?: number; tamper?: boolean } = {},
) {
  const body = JSON.stringify({
    id: `ntf_${Math.random().toString(36).slice(2)}`,
    occurred_at: new Date().toISOString(),
    ...payload,
  });
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', options.secret ?? SANDBOX_SECRET)
    .update(`${timestamp}.${body}`)
    .digest('hex');
  return request(t.url)
    .post(`/v1/notify/${code}`)
    .set('content-type', 'application/json')
    .set('sandbox-timestamp', String(timestamp))
    .set('sandbox-signature', `v1=${signature}`)
    .send(options.tamper ? body.replace('"amount":', '"amount":1') : body);
}

/** Polls until `check` returns a truthy value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 10000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function getOrder(t: TestApp, token: string, orderId: string): Promise<Order> {
  const res = await t.http.get(`/v1/payments/${orderId}`).set(bearer(token));
  if (res.status !== 200)
    throw new Error(`order read failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as Order;
}

export async function waitForStatus(
  t: TestApp,
  token: string,
  orderId: string,
  status: string,
): Promise<Order> {
  return eventually(
    async () => {
      const order = await getOrder(t, token, orderId);
      return order.status === status ? order : undefined;
    },
    10000,
    `order ${orderId} to be ${status}`,
  );
}

/** A channel as the admin API shows it (the parts provider specs read). */
export interface ChannelView {
  config: Record<string, unknown>;
  health: unknown;
}

/** A CNY channel of a real provider created through the admin API; throws unless 201. */
export async function createProviderChannel(
  t: TestApp,
  provider: string,
  code: string,
  config: Record<string, unknown>,
  fields: Record<string, unknown> = {},
): Promise<ChannelView> {
  const res = await t.http
    .post('/v1/channels')
    .set(bearer(await t.adminToken()))
    .send({ code, name: `${provider} ${code}`, provider, currencies: ['CNY'], ...fields, config });
  if (res.status !== 201) throw new Error(`channel: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as ChannelView;
}

export async function readChannel(t: TestApp, code: string): Promise<ChannelView> {
  const res = await t.http.get(`/v1/channels/${code}`).set(bearer(await t.adminToken()));
  return res.body.data as ChannelView;
}

/** One refund of an order, as its merchant lists it. */
export async function refundOf(
  t: TestApp,
  token: string,
  orderId: string,
  refundId: string,
): Promise<Record<string, unknown>> {
  const list = await t.http.get(`/v1/payments/${orderId}/refunds`).set(bearer(token));
  return (list.body.data.items as Record<string, unknown>[]).find((r) => r.refund_id === refundId)!;
}
