import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { ObservedResponse } from '../../src/app.factory';

/**
 * The contract check (TESTING.md 15): every response an e2e test receives is held against the
 * committed `openapi.json`. `startTestApp` records each response as it is sent and, after the
 * test file's tests (`contract-hook.ts`), fails the file with every response the document does
 * not describe.
 *
 * - A documented operation: the status must have its own response or fall back to `default`;
 *   the content type must be one the response lists; a JSON body must validate against its
 *   schema, with every object closed (`additionalProperties: false` unless the document says
 *   otherwise), so an undeclared field is a violation, not a silent extra.
 * - An error's `reason` must be one the operation lists for that status (the examples of its
 *   response), so the per-route error lists in the document stay true; an error status the
 *   operation does not document is reported (its body is still held to `default`).
 * - No route matched (404 `route_not_found`, 405 with `Allow`), or a request the router
 *   refused (400 `malformed_url`): the body must be the error envelope. What Node's parser
 *   refuses (431 `headers_too_large`) never reaches a hook; the bad-input suite checks it.
 * - Routes the document leaves out on purpose (`UNDOCUMENTED`): their errors must be the error
 *   envelope; their successes are not JSON API responses (documentation pages and assets, the
 *   OpenAPI document itself, Prometheus text) and are skipped.
 * - HEAD responses have no body and are skipped.
 */

const DOCUMENT_PATH = join(__dirname, '..', '..', 'openapi.json');
const SCHEMAS_ID = 'paygate-openapi';

/** Routes served but not in the document, and why. */
export const UNDOCUMENTED: ReadonlyArray<{ pattern: RegExp; why: string }> = [
  { pattern: /^\/metrics$/, why: 'Prometheus text exposition for scrapers, not the API' },
  { pattern: /^\/docs(?:-json|-yaml)?(?:\/|$)/, why: 'Swagger UI, its assets and the document' },
  { pattern: /^\/reference(?:\/|$)/, why: 'the HTML reference page and its scripts' },
  { pattern: /^\/changelog$/, why: 'the change history as HTML or Markdown' },
  { pattern: /^\/cashier\/assets\//, why: 'the cashier page’s script and style sheet' },
  { pattern: /^\/console(?:\/|$)/, why: 'the web console’s page and its built files' },
  { pattern: /^\*$/, why: 'CORS preflight (OPTIONS) answered by @fastify/cors, without a body' },
];

export interface ContractViolation {
  /** `GET /v1/payments/:order_id` (the route pattern, or the URL when no route matched). */
  operation: string;
  status: number;
  /** Where in the body (a JSON pointer), or `content-type`, `status`, `reason`. */
  path: string;
  problem: string;
}

interface DocumentResponse {
  content?: Record<string, { schema?: object; examples?: Record<string, unknown> }>;
}

interface DocumentOperation {
  operationId: string;
  responses: Record<string, DocumentResponse>;
}

type Document = {
  paths: Record<string, Record<string, DocumentOperation>>;
  components: { schemas: Record<string, object> };
};

export class ContractChecker {
  private readonly ajv: Ajv;
  private readonly operations = new Map<string, DocumentOperation>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly errorEnvelope: ValidateFunction;

  constructor(document: Document = loadDocument()) {
    this.ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
    addFormats(this.ajv);
    this.ajv.addKeyword('example');
    this.ajv.addSchema({ $id: SCHEMAS_ID, definitions: prepare(document.components.schemas) });
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        this.operations.set(`${method.toUpperCase()} ${toRoutePattern(path)}`, operation);
      }
    }
    this.errorEnvelope = this.ajv.compile({ $ref: `${SCHEMAS_ID}#/definitions/ErrorEnvelope` });
  }

  check(response: ObservedResponse): ContractViolation[] {
    if (response.method === 'HEAD') return [];
    const route = response.route;
    const operation = route ? this.operations.get(`${response.method} ${route}`) : undefined;
    const name = `${response.method} ${route ?? response.url.split('?')[0]}`;
    const found = (path: string, problem: string): ContractViolation => ({
      operation: name,
      status: response.status,
      path,
      problem,
    });
    if (!operation) {
      const undocumented = route === undefined || UNDOCUMENTED.some((u) => u.pattern.test(route));
      if (!undocumented) return [found('route', 'the route is not in openapi.json')];
      if (route !== undefined && response.status < 400) return [];
      return this.checkErrorEnvelope(response, found);
    }
    const statusKey = String(response.status);
    const documented = operation.responses[statusKey];
    const documentedResponse = documented ?? operation.responses.default;
    if (!documentedResponse) return [found('status', 'no response for this status, no default')];
    const mediaType = (response.contentType ?? '').split(';')[0].trim().toLowerCase();
    const content = documentedResponse.content ?? {};
    if (Object.keys(content).length === 0) {
      return response.body ? [found('content-type', `a ${mediaType} body where none is`)] : [];
    }
    if (!(mediaType in content)) {
      return [
        found(
          'content-type',
          `${mediaType || 'no content type'}, the document says ${Object.keys(content).join(' or ')}`,
        ),
      ];
    }
    if (mediaType !== 'application/json') return [];
    const violations: ContractViolation[] = [];
    const body = parse(response.body);
    if (body === undefined) return [found('', 'the body is not JSON')];
    const key = `${operation.operationId} ${documented ? statusKey : 'default'}`;
    const validate = this.validatorFor(key, content['application/json'].schema ?? {});
    if (!validate(body)) violations.push(...describeErrors(validate.errors, found));
    const reasons = documented ? Object.keys(content['application/json'].examples ?? {}) : [];
    const reason = (body as { reason?: unknown }).reason;
    if (response.status >= 400 && typeof reason === 'string' && !reasons.includes(reason)) {
      violations.push(
        found(
          'reason',
          `${reason} is not among the reasons listed for ${response.status}` +
            (reasons.length ? ` (${reasons.join(', ')})` : ' (the status is not documented)'),
        ),
      );
    }
    return violations;
  }

  private checkErrorEnvelope(
    response: ObservedResponse,
    found: (path: string, problem: string) => ContractViolation,
  ): ContractViolation[] {
    if (response.status < 400) return [found('status', 'a success from no route')];
    const body = parse(response.body);
    if (body === undefined) return [found('', 'an error that is not the JSON error envelope')];
    return this.errorEnvelope(body) ? [] : describeErrors(this.errorEnvelope.errors, found);
  }

  private validatorFor(key: string, schema: object): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(prepare(schema));
      this.validators.set(key, validate);
    }
    return validate;
  }
}

/** Every recorder of this test file; `contract-hook.ts` verifies them after its tests. */
const recorders: ContractRecorder[] = [];

/** Collects the responses of one app; `verify()` fails on any the document does not describe. */
export class ContractRecorder {
  private readonly responses: ObservedResponse[] = [];

  /** `verifyAfterFile`: checked by `contract-hook.ts` after this test file's tests. */
  constructor(
    private readonly checker: ContractChecker = sharedChecker(),
    verifyAfterFile = true,
  ) {
    if (verifyAfterFile) recorders.push(this);
  }

  readonly record = (response: ObservedResponse): void => {
    // only JSON bodies are kept whole: HTML pages and assets can be large
    const json = /json/i.test(response.contentType ?? '');
    this.responses.push(json ? response : { ...response, body: response.body ? '…' : undefined });
  };

  get count(): number {
    return this.responses.length;
  }

  violations(): ContractViolation[] {
    return this.responses.flatMap((r) => this.checker.check(r));
  }

  /** Throws one error listing every distinct violation. */
  verify(): void {
    const distinct = new Map<string, ContractViolation>();
    for (const v of this.violations()) {
      distinct.set(`${v.operation}|${v.status}|${v.path}|${v.problem}`, v);
    }
    if (distinct.size === 0) return;
    const lines = [...distinct.values()].map(
      (v) => `  ${v.operation} → ${v.status}: ${v.path || '(body)'}: ${v.problem}`,
    );
    throw new Error(
      `${distinct.size} response(s) do not match openapi.json (fix the code or the ` +
        `decorators and run npm run openapi):\n${lines.join('\n')}`,
    );
  }
}

/** Verifies every app this test file started, each after all its responses are in. */
export function verifyRecordedContracts(): void {
  const failures = recorders.splice(0).flatMap((recorder) => {
    try {
      recorder.verify();
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  });
  if (failures.length > 0) throw new Error(failures.join('\n'));
}

let checker: ContractChecker | undefined;

function sharedChecker(): ContractChecker {
  checker ??= new ContractChecker();
  return checker;
}

function loadDocument(): Document {
  return JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8')) as Document;
}

/** `/v1/payments/{order_id}` → `/v1/payments/:order_id`, as Fastify names the route. */
export function toRoutePattern(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

/**
 * A copy of a schema ready for validation: references point into the registered components,
 * and every object that lists its properties is closed unless it says otherwise.
 */
function prepare<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(prepare) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string') {
      out[key] = value.replace('#/components/schemas/', `${SCHEMAS_ID}#/definitions/`);
    } else if (key === 'properties' || key === 'definitions') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, prepare(v)]),
      );
    } else {
      out[key] = prepare(value);
    }
  }
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
  return out as T;
}

function parse(body: string | undefined): unknown {
  if (body === undefined || body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function describeErrors(
  errors: ErrorObject[] | null | undefined,
  found: (path: string, problem: string) => ContractViolation,
): ContractViolation[] {
  return (errors ?? []).map((e) => {
    const extra =
      e.keyword === 'additionalProperties'
        ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})`
        : '';
    return found(e.instancePath, `${e.message ?? e.keyword}${extra}`);
  });
}
