import { IncomingMessage, ServerResponse } from 'node:http';
import { FastifyInstance } from 'fastify';
import helmet, { HelmetOptions } from 'helmet';

/**
 * helmet's response headers for this configuration. Without CSP nonces they are the same on
 * every response, so they are worked out once, by running helmet's own middleware against a
 * response that only records them: @fastify/helmet built a new helmet middleware from the
 * options on every request (and ran two hooks for it), 3-4 % of the CPU of an order read.
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: unknown) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let finished = false;
  helmet(options)(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error;
      finished = true;
    },
  );
  if (!finished) throw new Error('helmet did not finish synchronously');
  return headers;
}

/**
 * Every response gets the headers (added before any handler runs, so errors get them too), and
 * `Cache-Control: no-store`: answers are per caller, and some carry a token or a secret shown
 * once (RFC 6749 §5.1), which no cache may keep. A route that may be cached says so itself.
 */
export function registerSecurityHeaders(fastify: FastifyInstance, options: HelmetOptions): void {
  const headers = { ...securityHeaders(options), 'cache-control': 'no-store' };
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
