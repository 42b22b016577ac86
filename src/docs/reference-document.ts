import { OpenAPIObject } from '@nestjs/swagger';
import {
  OperationObject,
  TagObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { changelogBody } from './changelog';
import { addCodeSamples } from './code-samples';
import { errorCodeMarkdown } from './error-table';
import { PAYMENT_SEQUENCE_DIAGRAM } from './sequence-diagram';
import { SYSTEM_REQUIREMENTS } from './system-requirements';

/** A section of the reference: a Redoc tag group, shown in this order. */
export interface Section {
  name: string;
  tags: string[];
}

/** Description-only sections (Redoc `x-traitTag`): they hold text, not operations. */
const TEXT_SECTIONS = ['简介', '授权机制说明', '错误代码', '变更历史'] as const;

/**
 * The original document's order: 简介, 授权机制说明, 支付订单, 渠道路由, 清算, 错误代码, 变更历史.
 * The other tags sit where an integrator looks for them: merchants and their credentials with
 * authentication, provider notifications with the orders they settle, the sandbox and the
 * UnionPay payer pages with the channels, the web console's accounts, sessions and statistics,
 * and operations (with merchant webhooks/events) before the error codes.
 */
const SECTION_ORDER: Section[] = [
  { name: '简介', tags: ['简介'] },
  { name: '授权机制说明', tags: ['授权机制说明', '获取Token', 'Merchants'] },
  { name: '支付订单', tags: ['支付订单', '收银台 Cashier', 'Channel notifications'] },
  { name: '渠道路由', tags: ['渠道路由', '沙箱 Sandbox', '银联 UnionPay'] },
  { name: '清算', tags: ['清算'] },
  { name: '控制台 Console', tags: ['控制台 Console'] },
  { name: '运维 Operations', tags: ['Operations'] },
  { name: '错误代码', tags: ['错误代码'] },
  { name: '变更历史', tags: ['变更历史'] },
];

const DISPLAY_NAMES: Record<string, string> = {
  Merchants: '商户 Merchants',
  'Channel notifications': '渠道通知 Channel notifications',
  Operations: '运维 Operations',
};

/**
 * Where a tag the reference does not know yet goes: clearing-like tags under 清算,
 * webhook/event tags beside operations, anything else with operations.
 */
export function sectionFor(tag: string): string {
  if (/清算|账单|对账|clearing|bill|reconcil|ledger/i.test(tag)) return '清算';
  return '运维 Operations';
}

/** The tag groups for the tags in use, in the reference's order; empty groups are left out. */
export function arrangeSections(tagsInUse: string[]): Section[] {
  const known = new Set(SECTION_ORDER.flatMap((s) => s.tags));
  const sections = SECTION_ORDER.map((s) => ({ name: s.name, tags: [...s.tags] }));
  const unknown = tagsInUse.filter((t) => !known.has(t));
  for (const tag of unknown) {
    const section = sections.find((s) => s.name === sectionFor(tag))!;
    // webhooks and events read best just before the generic operations tag
    const beforeOperations = /webhook|event|事件|回调/i.test(tag);
    const at = section.tags.indexOf('Operations');
    if (beforeOperations && at >= 0) section.tags.splice(at, 0, tag);
    else section.tags.push(tag);
  }
  const present = new Set<string>([...tagsInUse, ...TEXT_SECTIONS]);
  return sections
    .map((s) => ({ name: s.name, tags: s.tags.filter((t) => present.has(t)) }))
    .filter((s) => s.tags.length > 0);
}

export interface ReferenceOptions {
  /** Where integrators reach this service (PUBLIC_BASE_URL): the samples' and servers' URL. */
  baseUrl: string;
  /** CHANGELOG.md's text. */
  changelog: string;
}

/**
 * The document `/reference` renders: the same OpenAPI document as `/docs-json`, plus what only
 * the reference shows: the text sections, code samples per language, and the tag groups.
 */
export function buildReferenceDocument(
  source: OpenAPIObject,
  options: ReferenceOptions,
): OpenAPIObject {
  const document = structuredClone(source);
  document.servers = [{ url: options.baseUrl }];
  document.info = {
    ...document.info,
    title: 'paygate API 接口文档',
    description: `${document.info.description ?? ''}\n\n[变更历史 Changelog](/changelog) · [Swagger UI](/docs) · [OpenAPI JSON](/docs-json)`,
  };
  addCodeSamples(document, options.baseUrl);

  const tagsInUse = operationTags(document);
  const declared = new Map((document.tags ?? []).map((t) => [t.name, t]));
  const texts = textSections(options);
  const sections = arrangeSections(tagsInUse);
  const tags: TagObject[] = sections.flatMap((s) =>
    s.tags.map((name) => {
      const text = texts[name as (typeof TEXT_SECTIONS)[number]];
      return {
        ...declared.get(name),
        name,
        ...(DISPLAY_NAMES[name] ? { 'x-displayName': DISPLAY_NAMES[name] } : {}),
        ...(text ? { description: text, 'x-traitTag': true } : {}),
      };
    }),
  );
  document.tags = tags;
  (document as unknown as Record<string, unknown>)['x-tagGroups'] = sections;
  return document;
}

function operationTags(document: OpenAPIObject): string[] {
  const tags: string[] = [];
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as OperationObject[]) {
      for (const tag of operation?.tags ?? []) if (!tags.includes(tag)) tags.push(tag);
    }
  }
  return tags;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function textSections(options: ReferenceOptions): Record<(typeof TEXT_SECTIONS)[number], string> {
  return {
    简介: [
      "paygate is an open-source payment gateway (聚合支付): merchants' servers take payments over",
      'Alipay, WeChat Pay, UnionPay and a built-in sandbox through one REST API, with channel',
      'routing and failover, refunds, a hosted cashier, signed merchant webhooks and daily clearing',
      '(a double-entry ledger, settlement bills and reconciliation). Base path `/v1`; field names',
      '`snake_case`; bodies are JSON or `application/x-www-form-urlencoded` with the same fields;',
      'every amount is an integer count of minor units (`1000` = 10.00 CNY); times are ISO 8601 UTC.',
      '',
      '## 系统需求 System requirements',
      '',
      'Integrating:',
      '',
      '- Any HTTP client that speaks TLS; a server-side place to keep the `client_secret` (never in',
      '  a browser or app); an HTTPS endpoint for `notify_url` that answers 2xx within 10 s; a clock',
      '  within a few minutes of real time (webhook signatures carry a timestamp).',
      '',
      'Running paygate:',
      '',
      SYSTEM_REQUIREMENTS,
      '',
      '## 功能时序图 Sequence diagram',
      '',
      'A payment from order to bill: the merchant creates an order, paygate routes it to a channel,',
      'the payer pays at the provider, the provider notifies paygate, paygate notifies the merchant,',
      "and the daily clearing run puts the payment on the merchant's bill.",
      '',
      `<div class="mermaid">${escapeHtml(PAYMENT_SEQUENCE_DIAGRAM)}</div>`,
    ].join('\n'),
    授权机制说明: [
      'Every `/v1` call but 获取Token carries an access token. Get one with the OAuth 2.0 client',
      'credentials grant at `POST /v1/auth/token` (`grant_type=client_credentials`, `client_id`,',
      '`client_secret` in the body, or `client_id:client_secret` as HTTP Basic); it lasts',
      '`expires_in` seconds (`TOKEN_TTL_SECONDS`, default 7200). Send it as',
      '',
      '```',
      'Authorization: Bearer <access_token>',
      '```',
      '',
      'or, as the original document did, `access_token: <access_token>`. A token in the query string',
      'is refused. The `scope` is `merchant` (its own orders, refunds and merchant record) or',
      "`admin` (merchants, channels, operations). A revoked credential's tokens are refused (401)",
      "from the moment of revocation; a suspended merchant's get 403.",
      '',
      '### Idempotency-Key',
      '',
      'Every POST that creates something takes an `Idempotency-Key` header (1..255 printable',
      'characters), kept 24 h per caller. The same key with the same body replays the first',
      'response (same status, with `Idempotent-Replayed: true`); another body under the key is 422',
      '`idempotency_key_reused`; while the first is still running, 409 `idempotency_in_progress`.',
      '',
      '### 响应格式 The envelope',
      '',
      '```json',
      '{"code":"0000","message":"success","data":{},"request_id":"…"}',
      '```',
      '',
      'Errors: `{"code":"<HTTP status>","message":"…","reason":"<slug>","errors":[{"field":"amount","message":"…"}],"request_id":"…"}`.',
      'Lists: `data` is `{"items":[…],"next_cursor":"…"|null}`; pass `cursor` for the next page.',
      '',
      '### Webhook signatures',
      '',
      'Events (`payment.succeeded`, `payment.failed`, `payment.closed`, `refund.succeeded`,',
      "`refund.failed`) are POSTed to the merchant's `notify_url` as JSON `{id, type, created_at,",
      'data}` with `Paygate-Event-Id` and',
      '`Paygate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(webhook_secret, "<t>.<raw body>")>`.',
      'Check the signature over the raw body with a constant-time comparison, refuse a `t` more',
      'than 300 s away, and answer 2xx within 10 s; other answers are retried after 1 min, 5 min,',
      '15 min, 1 h, 6 h and 24 h.',
    ].join('\n'),
    错误代码: errorCodeMarkdown(),
    变更历史: [
      `The API's change history, also served on its own at [/changelog](/changelog).`,
      '',
      changelogBody(options.changelog).replace(/^## /gm, '### '),
    ].join('\n'),
  };
}
