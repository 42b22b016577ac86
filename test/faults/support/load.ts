import { randomBytes } from 'node:crypto';
import { Answer, call, Merchant, orderBody } from './api';

export interface CreateRequest {
  key: string;
  body: Record<string, unknown>;
  /** Which instance it was sent to. */
  url: string;
  answer: Answer;
  sentAt: number;
}

export interface CreateLoad {
  /** Every create sent so far, answered or not. */
  readonly requests: CreateRequest[];
  /** Creates answered 2xx so far. */
  answered2xx(): number;
  /** Stops sending; resolves when every request in flight has its answer (or none). */
  stop(): Promise<CreateRequest[]>;
}

let serial = 0;

/**
 * `concurrency` clients creating orders back to back, each with a unique body and its own
 * Idempotency-Key, round robin over `urls` (read on every request, so a test can change them).
 * A client that gets no 2xx pauses `pauseMs` before its next request, as a client backs off.
 */
export function startCreateLoad(options: {
  urls: () => string[];
  merchant: Merchant;
  concurrency: number;
  timeoutMs?: number;
  pauseMs?: number;
}): CreateLoad {
  const requests: CreateRequest[] = [];
  let stopped = false;
  let next = 0;
  const worker = async () => {
    while (!stopped) {
      const urls = options.urls();
      const url = urls[next++ % urls.length];
      const key = `faults-${randomBytes(9).toString('hex')}`;
      const body = orderBody(options.merchant, ++serial);
      const sentAt = Date.now();
      const entry: CreateRequest = { key, body, url, sentAt, answer: undefined as never };
      requests.push(entry);
      entry.answer = await call(url, 'POST', '/v1/payments/create', {
        token: options.merchant.token,
        body,
        headers: { 'idempotency-key': key },
        timeoutMs: options.timeoutMs ?? 15_000,
      });
      const ok = entry.answer.status >= 200 && entry.answer.status < 300;
      if (!ok && options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  };
  const workers = Array.from({ length: options.concurrency }, () => worker());
  return {
    requests,
    answered2xx: () =>
      requests.filter((r) => r.answer && r.answer.status >= 200 && r.answer.status < 300).length,
    stop: async () => {
      stopped = true;
      await Promise.all(workers);
      return requests;
    },
  };
}

/** Retries a create with its own key and body, as a client that got no answer does. */
export function retryCreate(request: CreateRequest, token: string, url = request.url) {
  return call(url, 'POST', '/v1/payments/create', {
    token,
    body: request.body,
    headers: { 'idempotency-key': request.key },
  });
}
