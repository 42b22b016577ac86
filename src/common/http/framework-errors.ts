import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import { FastifyReply, FastifyRequest } from 'fastify';
import { errorEnvelope } from '../errors/all-exceptions.filter';
import { AppError } from '../errors/app-error';
import { ERROR_CATALOGUE, ErrorReason } from '../errors/error-catalogue';
import { renderMessage } from '../errors/messages';

/**
 * The hooks that set helmet's headers do not run for these refusals: the ones that matter for
 * a JSON error are set here.
 */
const REFUSAL_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/**
 * What the router refuses before any route (and so before Nest's filter) sees the request: a
 * path that is not percent-encoded UTF-8, or a parameter longer than the router reads. Answered
 * in the error envelope, like everything else, instead of Fastify's own body.
 */
export function frameworkErrors(
  error: Error & { code?: string },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const detail =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'a path segment is longer than 256 characters'
      : 'a path segment is not valid percent-encoded UTF-8';
  void reply
    .status(400)
    .headers(REFUSAL_HEADERS)
    .header('x-request-id', request.id)
    .header('content-type', 'application/json; charset=utf-8')
    .send(errorEnvelope(new AppError('malformed_url', { detail }), request));
}

/**
 * What Node's HTTP parser refuses (headers over its limit, broken framing, a request too slow to
 * arrive within REQUEST_TIMEOUT_MS): there is no request to hand to Fastify, so the envelope is
 * written on the socket and the connection closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const reason: ErrorReason =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'headers_too_large'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'request_timeout'
        : 'malformed_request';
  refuseOnSocket(socket, reason, { limit: maxHeaderSize });
}

/**
 * Answers on a bare socket, before or without any request Fastify could answer: the error
 * envelope in English with a fresh request id, the headers that matter for it, then the
 * connection is closed.
 */
export function refuseOnSocket(
  socket: Socket,
  reason: ErrorReason,
  params: Record<string, string | number>,
  headers: Record<string, string> = {},
): void {
  const status = ERROR_CATALOGUE[reason].status;
  const requestId = randomUUID();
  const body = JSON.stringify({
    code: String(status),
    message: renderMessage(reason, params, 'en'),
    reason,
    request_id: requestId,
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        Object.entries({ ...REFUSAL_HEADERS, ...headers })
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('') +
        `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
