import { ADMIN_ID, ADMIN_SECRET } from './paygate-process';
import type { TestMerchant } from '../../helpers/test-app';

export const SANDBOX_SECRET = 'sandbox-faults-secret-0123456789abcdef';

export interface Answer {
  /** The HTTP status; 0 when no answer came (connection refused or reset, or timed out). */
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  text: string;
  /** Why no answer came. */
  error?: string;
  ms: number;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** No answer within this long counts as none (status 0). */
  timeoutMs?: number;
}

/** Every call this test file made, by status (0: no answer), for its figures. */
export const traffic = {
  sent: 0,
  byStatus: new Map<number, number>(),
  count(status: (s: number) => boolean): number {
    let n = 0;
    for (const [s, k] of this.byStatus) if (status(s)) n += k;
    return n;
  },
  /** Counts from now on: `sent()` and `count()` of the calls made after this. */
  since() {
    const sent = this.sent;
    const before = new Map(this.byStatus);
    return {
      sent: () => this.sent - sent,
      count: (status: (s: number) => boolean) => {
        let n = 0;
        for (const [s, k] of this.byStatus) if (status(s)) n += k - (before.get(s) ?? 0);
        return n;
      },
    };
  },
};

/** One HTTP call to a paygate instance, never throwing: failures are answers with status 0. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const answer = await send(baseUrl, method, path, options);
  traffic.sent++;
  traffic.byStatus.set(answer.status, (traffic.byStatus.get(answer.status) ?? 0) + 1);
  return answer;
}

async function send(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions,
): Promise<Answer> {
  const started = Date.now();
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text, and checked as such by the scenarios
    }
    return { status: res.status, headers: res.headers, body, text, ms: Date.now() - started };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      status: 0,
      headers: new Headers(),
      body: undefined,
      text: '',
      error: cause?.code ?? cause?.message ?? (error as Error).name,
      ms: Date.now() - started,
    };
  }
}

/**
 * The `data` of a success envelope, or an error naming the call. A 429 is waited out as its
 * Retry-After says and the call repeated, as a well-behaved client does.
 */
export async function data<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<T> {
  let answer = await call(baseUrl, method, path, options);
  for (let i = 0; i < 10 && answer.status === 429; i++) {
    const seconds = Number(answer.headers.get('retry-after') ?? 1);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    answer = await call(baseUrl, method, path, options);
  }
  if (answer.status < 200 || answer.status >= 300)
    throw new Error(`${method} ${path}: ${answer.status} ${answer.error ?? answer.text}`);
  return (answer.body as { data: T }).data;
}

export function token(baseUrl: string, clientId: string, secret: string): Promise<string> {
  return data<{ access_token: string }>(baseUrl, 'POST', '/v1/auth/token', {
    body: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
  }).then((d) => d.access_token);
}

export function adminToken(baseUrl: string): Promise<string> {
  return token(baseUrl, ADMIN_ID, ADMIN_SECRET);
}

/** A merchant as the e2e specs know it, here made over a real port. */
export type Merchant = TestMerchant;

export async function createMerchant(
  baseUrl: string,
  admin: string,
  fields: Record<string, unknown> = {},
): Promise<Merchant> {
  const m = await data(baseUrl, 'POST', '/v1/merchants', {
    token: admin,
    body: { name: 'Fault Shop', ...fields },
  });
  const clientId = m.client_id as string;
  const clientSecret = m.client_secret as string;
  return {
    sourceId: m.source_id as number,
    clientId,
    clientSecret,
    webhookSecret: m.webhook_secret as string,
    token: await token(baseUrl, clientId, clientSecret),
  };
}

export function createSandboxChannel(
  baseUrl: string,
  admin: string,
  config: Record<string, unknown> = {},
  code = 'sandbox_faults',
): Promise<Record<string, unknown>> {
  return data(baseUrl, 'POST', '/v1/channels', {
    token: admin,
    body: {
      code,
      name: 'Sandbox',
      provider: 'sandbox',
      config: { secret: SANDBOX_SECRET, seed: 7, latency_ms: 0, ...config },
    },
  });
}

export interface Order {
  order_id: string;
  status: string;
  amount: number;
  channel: string | null;
  pay_url: string | null;
  [key: string]: unknown;
}

export function orderBody(merchant: Merchant, n: number, fields: Record<string, unknown> = {}) {
  return {
    source_id: merchant.sourceId,
    product_id: `p${n}`,
    product_name: 'apple',
    amount: 1000 + n,
    ...fields,
  };
}

/** The payer presses Pay (or Fail) on the sandbox page of `order`, on the instance at `baseUrl`. */
export async function pay(
  baseUrl: string,
  order: Pick<Order, 'pay_url'>,
  outcome: 'success' | 'fail' = 'success',
): Promise<void> {
  const url = new URL(order.pay_url!);
  const answer = await call(baseUrl, 'POST', `${url.pathname}${url.search}`, {
    body: { outcome },
  });
  if (answer.status >= 300) throw new Error(`sandbox pay: ${answer.status} ${answer.text}`);
}

/** Polls until `check` returns a truthy value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  what: string,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
