import { ERROR_CATALOGUE, ErrorReason } from '../common/errors/error-catalogue';

/** The contract's status table (API.md, the original document's 错误代码): when each status is answered. */
export const STATUS_TABLE: readonly { status: string; when: string }[] = [
  { status: '400', when: 'malformed JSON, missing or invalid field, unknown field' },
  {
    status: '401',
    when: 'no token, bad signature, expired, revoked credential, wrong client secret; a console session missing or ended, a wrong password or two-factor code',
  },
  {
    status: '403',
    when: 'authenticated but not allowed: merchant calling an admin endpoint, `source_id` of another merchant, suspended merchant; a console change without its CSRF token, or before a required password change',
  },
  {
    status: '404',
    when: 'no such route or resource; also a resource that belongs to another merchant (never leak existence)',
  },
  { status: '405', when: 'known path, wrong method; `Allow` header lists the methods' },
  { status: '406', when: '`Accept` excludes `application/json`' },
  {
    status: '408',
    when: 'the request (headers and body) did not arrive within `REQUEST_TIMEOUT_MS`',
  },
  {
    status: '409',
    when: 'state conflict: closing a paid order, duplicate `merchant_order_no` with other fields',
  },
  { status: '410', when: 'a deleted channel' },
  { status: '413', when: 'body over `BODY_LIMIT` (default 64 KiB)' },
  { status: '415', when: 'body content type other than JSON or form' },
  { status: '418', when: '`GET /v1/teapot`' },
  {
    status: '422',
    when: 'well-formed but cannot be done: no channel can take the order, refund over the paid amount, idempotency key reuse',
  },
  {
    status: '429',
    when: 'rate limit hit (per credential; for the token endpoint per IP, and a lockout after repeated wrong secrets), or too many open connections from one address; `Retry-After` set; every limited response carries `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`',
  },
  { status: '431', when: 'request line and headers too large' },
  {
    status: '500',
    when: 'unexpected; no stack trace or SQL in the body (the log has it, with the request id)',
  },
  { status: '503', when: 'maintenance mode, or the database unreachable; `Retry-After` set' },
  { status: '0000', when: 'success (`code` of every 2xx envelope)' },
];

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function reasonsWithStatus(status: number): ErrorReason[] {
  return (Object.keys(ERROR_CATALOGUE) as ErrorReason[]).filter(
    (reason) => ERROR_CATALOGUE[reason].status === status,
  );
}

/**
 * 错误代码 as Markdown: the status table, each status with every reason it carries, then every
 * reason of the catalogue with both messages. Generated from `ERROR_CATALOGUE`, so a reason
 * added by any module appears here by itself.
 */
export function errorCodeMarkdown(): string {
  const statusRows = STATUS_TABLE.map(({ status, when }) => {
    const reasons = status === '0000' ? [] : reasonsWithStatus(Number(status));
    return `| ${status} | ${cell(when)} | ${reasons.map((r) => `\`${r}\``).join(', ')} |`;
  });
  const reasons = (Object.keys(ERROR_CATALOGUE) as ErrorReason[])
    .map((reason) => ({ reason, ...ERROR_CATALOGUE[reason] }))
    .sort((a, b) => a.status - b.status || a.reason.localeCompare(b.reason));
  const reasonRows = reasons.map(
    (r) => `| \`${r.reason}\` | ${r.status} | ${cell(r.en)} | ${cell(r.zh)} |`,
  );
  return [
    'Every error answers with the error envelope: `code` is the HTTP status as a string, `reason` a',
    'stable slug that never changes once published, `message` the text below in the language of',
    '`Accept-Language` (`zh-CN` or `en`), with `{…}` filled in. Success is `code` `"0000"`.',
    '',
    '```json',
    '{"code":"422","message":"No channel can take this order: …","reason":"no_channel_available","request_id":"…"}',
    '```',
    '',
    '### HTTP 状态码 Status codes',
    '',
    '| HTTP | 何时 When | reason |',
    '| --- | --- | --- |',
    ...statusRows,
    '',
    '### 错误原因 Error reasons',
    '',
    '| reason | HTTP | English | 中文 |',
    '| --- | --- | --- | --- |',
    ...reasonRows,
  ].join('\n');
}
