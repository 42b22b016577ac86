import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import qs from 'qs';
import { FORM_PARSE_OPTIONS, MAX_BODY_DEPTH } from '../../src/common/http/body-parsers';

/**
 * Requests made from the OpenAPI document for the bad-input property suite (TESTING.md 11):
 * for each operation, a body (JSON or bracket form) and a query string built from its schemas,
 * then broken on purpose: wrong types, missing and extra fields, huge strings and numbers, deep
 * nesting, unicode, injection strings, odd form nesting, malformed JSON.
 *
 * Each request says whether the document forbids it (`refusal`: why it must be refused). JSON
 * bodies are judged by the document's own schema (ajv, objects closed as the API refuses
 * unknown fields); form bodies and query strings, which are text the server converts, only by
 * what the document certainly forbids (an unknown or missing field, a value no conversion
 * makes valid). A request the document allows may succeed: it is still never a 5xx.
 */

export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  nullable?: boolean;
  example?: unknown;
  additionalProperties?: boolean | Schema;
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
}

export interface DocumentOperation {
  operationId: string;
  parameters?: { in: string; name: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, DocumentOperation>>;
  components: { schemas: Record<string, Schema> };
}

export interface Operation {
  id: string;
  method: string;
  /** As in the document: `/v1/payments/{order_id}`. */
  path: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  /** It honours `Idempotency-Key`. */
  idempotent: boolean;
  body?: Schema;
}

/** A literal written into the JSON text as it is: `1e21`, `9007199254740993`, `-0`. */
export class RawJson {
  constructor(readonly text: string) {}
  toJSON(): string {
    return `RawJson(${this.text})`;
  }
}

export interface GeneratedRequest {
  method: string;
  path: string;
  query: string;
  auth: 'right' | 'none' | 'wrong-role' | 'garbage';
  headers: Record<string, string>;
  body?: { contentType: string; text: string };
  /** Why the document forbids this request; empty when it may be accepted. */
  refusal: string[];
}

export const INJECTIONS = [
  "' OR 1=1 --",
  "'; DROP TABLE orders; --",
  '" OR ""="',
  '1; SELECT pg_sleep(5)',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '${7*7}',
  '{{7*7}}',
  '#{7*7}',
  '{"$gt":""}',
  '$where',
  '%00',
  '\u0000',
  '__proto__',
  'constructor',
  '$(id)',
  '`id`',
  '| ls',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'http://169.254.169.254/latest/meta-data/',
];

export const UNICODE = [
  '\u202Eevil\u202C',
  'مرحبا بالعالم',
  'שלום',
  '😀💳🏦',
  '👨‍👩‍👧‍👦',
  '\ud800',
  '\udfff',
  'a\ud83d',
  '\u200b\u200d\ufeff',
  'e\u0301\u0301\u0301',
  '支付宝 微信支付 银联',
  'ＣＮＹ',
  '\n\r\t\u0085\u2028',
  'Ω≈ç√∫',
];

const NUMBER_LITERALS = [
  '1e21',
  '9007199254740993',
  '-9007199254740993',
  '-0',
  '1e400',
  '-1e400',
  '0.1',
  '10.00',
  '1.0',
  '1e3',
  '-1',
  '0',
  '123456789012345678901234567890',
  '5e-324',
];

const NUMBER_TEXTS = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e21',
  '10.00',
  '0x1A',
  '1_000',
  ' 1',
  '+1',
  '１２',
];

const EXTRA_FIELDS = [
  'status',
  'fee_amount',
  'refunded_amount',
  'source_id',
  'order_id',
  'role',
  'admin',
  'id',
  '__proto__',
  'constructor',
  'toString',
  '',
  ' ',
  'a'.repeat(300),
];

/** Form text no merchant's library would send: odd brackets, broken escapes, limits. */
const ODD_FORM_PAIRS = [
  'a[[b]]=1',
  'a[]b=1',
  'a]=1',
  '[a]=1',
  'a[b=1',
  '=1',
  '&&&',
  'novalue',
  '%zz=1',
  'a=%E0%A4%A',
  `deep${'[a]'.repeat(MAX_BODY_DEPTH + 4)}=1`,
  '__proto__[admin]=1',
  'constructor[prototype][admin]=1',
  'x[999999]=1',
  Array.from({ length: 150 }, () => 'many[]=1').join('&'),
  Array.from({ length: 1100 }, (_, i) => `p${i}=1`).join('&'),
];

const JSON_BREAKAGES = [
  (text: string) => text.slice(0, Math.max(1, text.length - 1)),
  (text: string) => `${text},`,
  (text: string) => text.replace(/"/g, "'"),
  (text: string) => `/* c */${text}`,
  () => '',
  () => 'undefined',
  () => '{"a":1}{"b":2}',
  () => `${'['.repeat(5000)}${']'.repeat(5000)}`,
];

export function listOperations(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const parameters = operation.parameters ?? [];
      operations.push({
        id: operation.operationId,
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query'),
        idempotent: parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key'),
        body: operation.requestBody?.content['application/json']?.schema,
      });
    }
  }
  return operations;
}

/** What the generator needs from the running test: real values and tokens. */
export interface GeneratorContext {
  document: OpenApiDocument;
  /** Values a body or query field of this name takes to be valid (e.g. the token's source_id). */
  fields: Record<string, fc.Arbitrary<unknown>>;
  /** Real values for path parameters, by name. */
  pathValues: Record<string, string[]>;
}

export class RequestGenerator {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly context: GeneratorContext) {
    this.ajv = new Ajv({ allErrors: false, strict: false });
    addFormats(this.ajv);
    this.ajv.addSchema({
      $id: 'doc',
      definitions: closeObjects(context.document.components.schemas),
    });
  }

  /**
   * Requests for one operation, every one of them odd in some way; `realPath`: with the real
   * path parameter values only, so the request reaches the route.
   */
  requests(operation: Operation, realPath = false): fc.Arbitrary<GeneratedRequest> {
    return fc
      .record({
        path: this.path(operation, realPath),
        query: this.queryString(operation),
        body: this.body(operation),
        auth: fc.constantFrom('right', 'right', 'right', 'right', 'none', 'wrong-role', 'garbage'),
        headers: fc.record(
          {
            'accept-language': fc.constantFrom('zh-CN', 'en', 'xx', '*;q=oops'),
            'x-request-id': fc.constantFrom('ok-1', '<script>', 'x'.repeat(300)),
          },
          { requiredKeys: [] },
        ),
        key: operation.idempotent ? idempotencyKey() : fc.constant(undefined),
      })
      .map(({ path, query, body, auth, headers, key }) => ({
        method: operation.method,
        path,
        query: query.text,
        auth: auth as GeneratedRequest['auth'],
        headers: {
          ...(headers as Record<string, string>),
          ...(key ? { 'idempotency-key': key.value } : {}),
        },
        ...(body ? { body: { contentType: body.contentType, text: body.text } } : {}),
        refusal: [
          ...query.refusal,
          ...(body?.refusal ?? []),
          ...(key && !key.valid ? ['Idempotency-Key is not 1..255 printable characters'] : []),
        ],
      }));
  }

  private path(operation: Operation, realPath: boolean): fc.Arbitrary<string> {
    const parts = operation.pathParams.map((name) => {
      const real = fc.constantFrom(...(this.context.pathValues[name] ?? ['x']));
      if (realPath) return real;
      return fc.oneof(
        { weight: 3, arbitrary: real },
        { weight: 2, arbitrary: nastyText().map(encodeText) },
        { weight: 1, arbitrary: fc.constantFrom('%zz', '%', '..%2F..%2Fetc', '%00', 'a%2Fb') },
      );
    });
    return fc.tuple(...parts).map((values) => {
      let path = operation.path;
      operation.pathParams.forEach((name, i) => (path = path.replace(`{${name}}`, values[i])));
      return path;
    });
  }

  private queryString(operation: Operation): fc.Arbitrary<{ text: string; refusal: string[] }> {
    if (operation.query.length === 0) {
      return fc.oneof(
        { weight: 3, arbitrary: fc.constant({ text: '', refusal: [] as string[] }) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(fc.constantFrom(...EXTRA_FIELDS.filter(Boolean)), nastyText())
            .map(([name, value]) => ({
              text: `${encodeText(name)}=${encodeText(value)}`,
              // a route without query parameters takes none, and ignores what it is sent
              refusal: [],
            })),
        },
      );
    }
    const params = operation.query;
    const base = fc.record(
      Object.fromEntries(params.map((p) => [p.name, this.textValue(p.name, p.schema)])) as Record<
        string,
        fc.Arbitrary<string>
      >,
      { requiredKeys: [] },
    );
    const mutation = fc.oneof(
      fc
        .tuple(fc.constantFrom(...params.map((p) => p.name)), oddText())
        .map(([name, value]) => ({ kind: 'set' as const, name, value })),
      fc
        .tuple(
          fc.constantFrom(...params.map((p) => p.name)),
          fc.array(oddText(), { minLength: 2, maxLength: 3 }),
        )
        .map(([name, values]) => ({ kind: 'repeat' as const, name, values })),
      fc
        .tuple(fc.constantFrom(...EXTRA_FIELDS.filter(Boolean)), oddText())
        .map(([name, value]) => ({ kind: 'extra' as const, name, value })),
    );
    return fc.tuple(base, fc.array(mutation, { maxLength: 3 })).map(([values, mutations]) => {
      const pairs = new Map<string, string[]>();
      for (const [k, v] of Object.entries(values)) if (v !== undefined) pairs.set(k, [v]);
      for (const m of mutations) {
        if (m.kind === 'repeat') pairs.set(m.name, m.values);
        else pairs.set(m.name, [m.value]);
      }
      const refusal: string[] = [];
      for (const [name, list] of pairs) {
        const param = params.find((p) => p.name === name);
        if (!param) refusal.push(`query ${name} is not a parameter`);
        else {
          const why = textBreaks(param.schema, list, this.context.document);
          if (why) refusal.push(`query ${name} ${why}`);
        }
      }
      const text = [...pairs]
        .flatMap(([k, list]) => list.map((v) => `${encodeText(k)}=${encodeText(v)}`))
        .join('&');
      return { text, refusal };
    });
  }

  private body(
    operation: Operation,
  ): fc.Arbitrary<{ contentType: string; text: string; refusal: string[] } | undefined> {
    if (!operation.body) {
      // routes without a body in the document ignore one, or read it in a provider's format
      return fc.option(
        fc
          .tuple(
            fc.constantFrom('application/json', 'application/x-www-form-urlencoded'),
            nastyText(),
          )
          .map(([contentType, value]) => ({
            contentType,
            text:
              contentType === 'application/json'
                ? JSON.stringify({ value })
                : `value=${encodeText(value)}`,
            refusal: [],
          })),
        { nil: undefined },
      );
    }
    const schema = this.resolve(operation.body);
    const fields = Object.keys(schema.properties ?? {});
    const valid = this.value('', schema, 0) as fc.Arbitrary<Record<string, unknown>>;
    const fieldName = fields.length > 0 ? fc.constantFrom(...fields) : fc.constant('name');
    const mutation = fc.oneof(
      fieldName.map((name) => ({ kind: 'drop' as const, name })),
      fc
        .tuple(fieldName, nastyValue())
        .map(([name, value]) => ({ kind: 'set' as const, name, value })),
      fc
        .tuple(fc.constantFrom(...EXTRA_FIELDS), nastyValue())
        .map(([name, value]) => ({ kind: 'extra' as const, name, value })),
      fc
        .tuple(fieldName, fc.integer({ min: MAX_BODY_DEPTH - 2, max: 40 }))
        .map(([name, depth]) => ({
          kind: 'nest' as const,
          name,
          depth,
        })),
      fc
        .constantFrom<unknown>(null, [], [{}], 'text', 42, true, new RawJson('1e21'))
        .map((value) => ({ kind: 'replace' as const, value })),
    );
    const encoding = fc.constantFrom(
      'json',
      'json',
      'json',
      'json-bom',
      'form',
      'form',
      'broken-json',
    );
    return fc
      .tuple(valid, fc.array(mutation, { maxLength: 3 }), encoding, fc.nat(), fc.nat())
      .map(([base, mutations, how, pick, pick2]) => {
        let body: unknown = nullProto(base);
        for (const m of mutations) body = mutate(body, m);
        if (how === 'form') return this.formBody(schema, body, pick, pick2);
        const text = toJsonText(body);
        if (how === 'broken-json') {
          const broken = JSON_BREAKAGES[pick % JSON_BREAKAGES.length](text);
          return { contentType: 'application/json', text: broken, refusal: ['malformed JSON'] };
        }
        return {
          contentType: 'application/json',
          // RFC 8259 lets a parser ignore a byte order mark: the same body either way
          text: how === 'json-bom' ? `\ufeff${text}` : text,
          refusal: this.jsonBreaks(operation.body!, text),
        };
      });
  }

  /** Why the document forbids this JSON text as the body: parse errors and schema errors. */
  private jsonBreaks(schema: Schema, text: string): string[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return ['not JSON'];
    }
    if (jsonDepth(parsed) > MAX_BODY_DEPTH) return ['nested deeper than the limit'];
    const key = JSON.stringify(schema);
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(closeObjects(schema));
      this.validators.set(key, validate);
    }
    if (validate(parsed)) return [];
    const e = validate.errors?.[0];
    return [`body${e?.instancePath ?? ''} ${e?.message ?? 'invalid'}`];
  }

  private formBody(schema: Schema, body: unknown, pick: number, pick2: number) {
    const pairs = toFormPairs(body);
    if (pick % 3 === 0)
      pairs.splice(pick2 % (pairs.length + 1), 0, ODD_FORM_PAIRS[pick % ODD_FORM_PAIRS.length]);
    const text = pairs.join('&');
    const refusal: string[] = [];
    let parsed: Record<string, unknown>;
    try {
      parsed = qs.parse(text, FORM_PARSE_OPTIONS) as Record<string, unknown>;
    } catch (error) {
      return {
        contentType: 'application/x-www-form-urlencoded',
        text,
        refusal: [`form: ${(error as Error).message}`],
      };
    }
    const properties = schema.properties ?? {};
    for (const key of Object.keys(parsed)) {
      if (!(key in properties)) refusal.push(`form field ${key} is not a field`);
    }
    for (const key of schema.required ?? []) {
      if (!(key in parsed)) refusal.push(`form field ${key} is missing`);
    }
    for (const [key, value] of Object.entries(parsed)) {
      const property = properties[key];
      if (!property) continue;
      const why = formValueBreaks(this.resolve(property), value, this.context.document);
      if (why) refusal.push(`form field ${key} ${why}`);
    }
    return { contentType: 'application/x-www-form-urlencoded', text, refusal };
  }

  /** A value the schema allows (as far as a generator can tell; the document judges). */
  private value(name: string, raw: Schema, depth: number): fc.Arbitrary<unknown> {
    const own = this.context.fields[name];
    if (own) return own;
    const schema = this.resolve(raw);
    let arbitrary: fc.Arbitrary<unknown>;
    if (schema.enum) arbitrary = fc.constantFrom(...schema.enum);
    else if (schema.type === 'string') arbitrary = validString(schema);
    else if (schema.type === 'integer' || schema.type === 'number') {
      const min = Math.max(schema.minimum ?? -1000, Number.MIN_SAFE_INTEGER);
      const max = Math.min(schema.maximum ?? min + 100000, Number.MAX_SAFE_INTEGER);
      arbitrary = fc.integer({ min, max });
    } else if (schema.type === 'boolean') arbitrary = fc.boolean();
    else if (schema.type === 'array') {
      const minLength = schema.minItems ?? 0;
      arbitrary = fc.array(this.value('', schema.items ?? {}, depth + 1), {
        minLength,
        maxLength: Math.max(minLength, Math.min(schema.maxItems ?? 3, 3)),
      });
    } else if (schema.properties && depth < 4) {
      const entries = Object.entries(schema.properties);
      arbitrary = fc.record(
        Object.fromEntries(entries.map(([k, v]) => [k, this.value(k, v, depth + 1)])),
        { requiredKeys: schema.required ?? [] },
      );
    } else {
      arbitrary = fc.dictionary(
        fc.constantFrom('a', 'b', 'note'),
        fc.oneof(fc.string(), fc.nat()),
        {
          maxKeys: 2,
        },
      );
    }
    return schema.nullable ? fc.option(arbitrary, { nil: null, freq: 8 }) : arbitrary;
  }

  /** A query value as text, valid for its schema. */
  private textValue(name: string, schema: Schema): fc.Arbitrary<string> {
    return this.value(name, schema, 0).map((v) => (typeof v === 'string' ? v : String(v)));
  }

  private resolve(schema: Schema): Schema {
    return resolveSchema(schema, this.context.document);
  }
}

/** A schema with its `$ref` (and a lone `allOf`) followed. */
export function resolveSchema(schema: Schema, document: OpenApiDocument): Schema {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolveSchema(document.components.schemas[name], document);
  }
  if (schema.allOf?.length === 1) return { ...schema, ...resolveSchema(schema.allOf[0], document) };
  return schema;
}

function validString(schema: Schema): fc.Arbitrary<string> {
  if (schema.pattern) {
    return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => fits(schema, s));
  }
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 24, 24));
  const odd = [...INJECTIONS, ...UNICODE].filter((s) => fits(schema, s));
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength, maxLength, unit: 'grapheme' }) },
    ...(schema.example !== undefined && typeof schema.example === 'string'
      ? [{ weight: 2, arbitrary: fc.constant(schema.example) }]
      : []),
    ...(odd.length > 0 ? [{ weight: 2, arbitrary: fc.constantFrom(...odd) }] : []),
  );
}

function fits(schema: Schema, s: string): boolean {
  const length = [...s].length;
  return length >= (schema.minLength ?? 0) && length <= (schema.maxLength ?? Infinity);
}

/** An Idempotency-Key header, or none; HTTP carries header bytes, so non-ASCII goes as Latin-1. */
function idempotencyKey(): fc.Arbitrary<{ value: string; valid: boolean } | undefined> {
  return fc.option(
    fc.oneof(
      fc.uuid().map((value) => ({ value, valid: true })),
      fc
        .constantFrom(
          '',
          'k'.repeat(256),
          'clé',
          Buffer.from('支付-key', 'utf8').toString('latin1'),
          'tab\tkey',
        )
        .map((value) => ({ value, valid: false })),
    ),
    { nil: undefined },
  );
}

/** Any text a field may be sent: odd, hostile, huge or empty. */
function nastyText(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...INJECTIONS),
    fc.constantFrom(...UNICODE),
    fc.constantFrom(...NUMBER_TEXTS),
    fc.constantFrom('', ' ', 'x'.repeat(257), 'x'.repeat(1025), '支'.repeat(3000)),
    fc.string({ maxLength: 40, unit: 'binary' }),
  );
}

/** Text for query parameters, where everything is text. */
function oddText(): fc.Arbitrary<string> {
  return fc.oneof(
    nastyText(),
    fc.constantFrom(
      '1000000',
      '0',
      '-1',
      '101',
      '1.5',
      '9007199254740993',
      'true',
      'yes',
      '[]',
      '{}',
    ),
  );
}

/** Any JSON value a field may be sent instead of what it takes. */
export function nastyValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, '', [], {}, [null], { a: 1 }),
    fc.constantFrom(...NUMBER_LITERALS).map((text) => new RawJson(text)),
    nastyText(),
    fc.constantFrom(101, 1000, 20000).map((n) => Array.from({ length: n }, () => 1)),
    fc.constantFrom(70_000, 2_000_000).map((n) => 'x'.repeat(n)),
    fc.constantFrom<unknown>(
      JSON.parse('{"__proto__":{"admin":true}}'),
      { constructor: { prototype: { admin: true } } },
      { $gt: '' },
    ),
  );
}

type Mutation =
  | { kind: 'drop'; name: string }
  | { kind: 'set'; name: string; value: unknown }
  | { kind: 'extra'; name: string; value: unknown }
  | { kind: 'nest'; name: string; depth: number }
  | { kind: 'replace'; value: unknown };

function mutate(body: unknown, m: Mutation): unknown {
  if (m.kind === 'replace') return m.value;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const copy = nullProto(body as Record<string, unknown>);
  if (m.kind === 'drop') delete copy[m.name];
  else if (m.kind === 'set' || m.kind === 'extra') copy[m.name] = m.value;
  else {
    let value: unknown = copy[m.name] ?? 1;
    for (let i = 0; i < m.depth; i++) value = i % 2 ? [value] : { [m.name]: value };
    copy[m.name] = value;
  }
  return copy;
}

/** A copy whose `__proto__` is an ordinary key, so it reaches the JSON text. */
function nullProto(value: Record<string, unknown>): Record<string, unknown> {
  const copy = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) copy[k] = v;
  return copy;
}

/** JSON text with raw number literals kept and lone surrogates escaped. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Bracket-style form pairs, as merchants' PHP and Stripe libraries send nested fields. */
function toFormPairs(value: unknown, prefix = ''): string[] {
  if (value instanceof RawJson) return [`${prefix || 'value'}=${encodeText(value.text)}`];
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${prefix}[]=`];
    return value.flatMap((v) => toFormPairs(v, `${prefix}[]`));
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      toFormPairs(v, prefix ? `${prefix}[${encodeText(k)}]` : encodeText(k)),
    );
  }
  const text = value === null || value === undefined ? '' : String(value);
  return [`${prefix || 'value'}=${encodeText(text)}`];
}

/** Percent-encoding that also carries lone surrogates (as the bytes of their code unit). */
export function encodeText(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text]
      .map((ch) => {
        try {
          return encodeURIComponent(ch);
        } catch {
          const unit = ch.charCodeAt(0);
          const bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
          return bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
        }
      })
      .join('');
  }
}

function jsonDepth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Object.values(value as object);
  return 1 + (children.length ? Math.max(...children.map(jsonDepth)) : 0);
}

/**
 * Why the document certainly forbids this text (a query value, or a form field): whatever a
 * server's conversion of text does, no reading makes it valid. Undefined when it may be valid.
 */
function textBreaks(raw: Schema, values: string[], document: OpenApiDocument): string | undefined {
  const schema = resolveSchema(raw, document);
  if (values.length > 1 && schema.type !== 'array') return 'is sent more than once';
  const value = values[0];
  if (schema.enum && !schema.enum.map(String).includes(value)) return 'is not one of its values';
  if (schema.type === 'integer' || schema.type === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(value)) return 'is not a number';
    if (schema.type === 'integer' && !/^-?\d+$/.test(value)) return 'is not an integer';
    const n = Number(value);
    if (schema.minimum !== undefined && n < schema.minimum) return 'is below its minimum';
    if (schema.maximum !== undefined && n > schema.maximum) return 'is above its maximum';
  }
  if (schema.type === 'boolean' && value !== 'true' && value !== 'false') return 'is not a boolean';
  if (schema.type === 'string') {
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength)
      return 'is too long';
    if (schema.minLength !== undefined && value.length < schema.minLength) return 'is too short';
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) return 'breaks its pattern';
  }
  return undefined;
}

function formValueBreaks(
  schema: Schema,
  value: unknown,
  document: OpenApiDocument,
): string | undefined {
  if (typeof value === 'string') {
    if (schema.type === 'array' || schema.type === 'object') return undefined;
    return textBreaks(schema, [value], document);
  }
  if (Array.isArray(value)) {
    if (schema.type !== 'array') return 'is a list';
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    return schema.type === 'object' ? undefined : 'is an object';
  }
  return undefined;
}

/** Objects that list their properties refuse others, as the API's validation does. */
function closeObjects<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(closeObjects) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string') {
      out[key] = value.replace('#/components/schemas/', 'doc#/definitions/');
    } else if (key === 'properties' || key === 'definitions') {
      out[key] = Object.fromEntries(
        Object.entries(value as object).map(([k, v]) => [k, closeObjects(v)]),
      );
    } else out[key] = closeObjects(value);
  }
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
  return out as T;
}
