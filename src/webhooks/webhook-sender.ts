import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { CheckedUrl, pinnedLookup, SsrfGuard, UrlRefusedError } from '../common/net/ssrf-guard';

/** How much of a merchant's response body is kept with the attempt. */
export const RESPONSE_EXCERPT_BYTES = 1024;
const MAX_ERROR_LENGTH = 512;
const MAX_URL_LENGTH = 2048;
const USER_AGENT = 'paygate-webhooks/1';

/** What one POST to a merchant's endpoint came to; `delivered` means a 2xx in time. */
export interface AttemptOutcome {
  delivered: boolean;
  /** The URL as logged: scheme, host and path, without credentials or query string. */
  url: string | null;
  statusCode: number | null;
  /** Until the response's status line (or the failure). */
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

/**
 * POSTs a webhook to a merchant's endpoint once, without ever reaching inside the network: the
 * URL goes through the SSRF guard on every attempt (a host's DNS may have changed since
 * registration), the connection goes to the address the guard checked, redirects are never
 * followed, and the whole attempt (resolution, connection, answer) is bounded by `timeoutMs`.
 * Only the first KiB of the response is read. It never throws: every failure is an outcome.
 */
export class WebhookSender {
  constructor(
    private readonly guard: SsrfGuard,
    private readonly timeoutMs: number,
  ) {}

  async post(
    rawUrl: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<AttemptOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const url = displayUrl(rawUrl);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const checked = await untilAborted(this.guard.check(rawUrl), controller.signal);
      const answer = await exchange(checked, body, headers, controller.signal, elapsed);
      const delivered = answer.statusCode >= 200 && answer.statusCode < 300;
      return {
        delivered,
        url,
        statusCode: answer.statusCode,
        latencyMs: answer.latencyMs,
        error: delivered ? null : statusProblem(answer.statusCode),
        responseExcerpt: answer.excerpt,
      };
    } catch (error) {
      return {
        delivered: false,
        url,
        statusCode: null,
        latencyMs: elapsed(),
        error: controller.signal.aborted
          ? `timed out after ${this.timeoutMs} ms`
          : describeFailure(error),
        responseExcerpt: null,
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

interface Answer {
  statusCode: number;
  latencyMs: number;
  excerpt: string;
}

function exchange(
  checked: CheckedUrl,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  elapsed: () => number,
): Promise<Answer> {
  const { url } = checked;
  return new Promise((resolve, reject) => {
    // once the status line is in, every later ending (end, excerpt full, abort) resolves
    let finish: (() => void) | undefined;
    const request = (url.protocol === 'https:' ? https : http).request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: {
          'user-agent': USER_AGENT,
          ...headers,
          'content-length': String(Buffer.byteLength(body)),
        },
        // a fresh connection each time, to the checked address only
        agent: false,
        lookup: pinnedLookup(checked),
        signal,
      },
      (response) => {
        const latencyMs = elapsed();
        const chunks: Buffer[] = [];
        let size = 0;
        finish = () => {
          resolve({
            statusCode: response.statusCode ?? 0,
            latencyMs,
            excerpt: Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8'),
          });
          response.destroy();
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          // the status decides the outcome; the body is only an excerpt, so stop reading early
          if (size >= RESPONSE_EXCERPT_BYTES) finish?.();
        });
        response.on('end', finish);
        response.on('error', finish);
        response.on('close', finish);
      },
    );
    request.on('error', (error) => (finish ? finish() : reject(error)));
    request.end(body);
  });
}

/** Rejects when `signal` aborts, so a slow DNS answer cannot outlive the attempt's deadline. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function statusProblem(status: number): string {
  if (status >= 300 && status < 400) return `redirect (HTTP ${status}) not followed`;
  return `HTTP ${status}`;
}

function describeFailure(error: unknown): string {
  if (error instanceof UrlRefusedError) return `notify_url ${error.message}`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
  };
  const text =
    (code && known[code]) ??
    `${code ?? 'error'}: ${error instanceof Error ? error.message : String(error)}`;
  return text.slice(0, MAX_ERROR_LENGTH);
}

/** The URL without credentials, query string or fragment: what attempts record. */
export function displayUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}`.slice(0, MAX_URL_LENGTH);
  } catch {
    return raw
      .split(/[?#]/)[0]
      .replace(/\/\/[^/]*@/, '//')
      .slice(0, MAX_URL_LENGTH);
  }
}
