import { FastifyInstance, FastifyReply } from 'fastify';
import { FieldError } from '../errors/app-error';

export const SUCCESS_CODE = '0000';

/** The body of every 2xx response. */
export interface SuccessEnvelope<T> {
  code: typeof SUCCESS_CODE;
  message: 'success';
  data: T;
  request_id: string;
}

/** The body of every error response; `code` is the HTTP status as a string. */
export interface ErrorEnvelope {
  code: string;
  message: string;
  reason: string;
  errors?: FieldError[];
  request_id: string;
}

export function successEnvelope<T>(data: T, requestId: string): SuccessEnvelope<T> {
  return {
    code: SUCCESS_CODE,
    message: 'success',
    data: data ?? (null as T),
    request_id: requestId,
  };
}

/** A handler result with a status other than the route's default (e.g. 200 from a create). */
export class HttpResult<T> {
  constructor(
    readonly status: number,
    readonly body: T,
  ) {}
}

export function withStatus<T>(status: number, body: T): HttpResult<T> {
  return new HttpResult(status, body);
}

/**
 * A body sent as it is, with its own content type, from a route that otherwise answers in the
 * envelope: e.g. the HTML page a browser's form post gets where a script gets JSON.
 */
export class RawBody {
  constructor(
    readonly contentType: string,
    readonly body: string,
  ) {}
}

const STATUS_OVERRIDE = Symbol('paygate.statusOverride');

type OverridableReply = FastifyReply & { [STATUS_OVERRIDE]?: number };

/**
 * Nest sets each route's declared status when it sends the result, after interceptors have
 * run; a status chosen per request (200 for a create that found its resource, a replayed
 * idempotent response) is applied just before sending instead.
 */
export function overrideStatus(reply: FastifyReply, status: number): void {
  (reply as OverridableReply)[STATUS_OVERRIDE] = status;
}

export function statusOverrideOf(reply: FastifyReply): number | undefined {
  return (reply as OverridableReply)[STATUS_OVERRIDE];
}

export function registerStatusOverride(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    const status = (reply as OverridableReply)[STATUS_OVERRIDE];
    if (status !== undefined) reply.code(status);
    done(null, payload);
  });
}
