import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import {
  OperationObject,
  ReferenceObject,
  RequestBodyObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { FastifyInstance, onRequestHookHandler } from 'fastify';
import { stringify } from 'safe-stable-stringify';
import { Permission, rolesWith } from '../auth/permissions';
import { ERROR_CATALOGUE } from '../common/errors/error-catalogue';
import { API_VERSION } from './api-version';
import {
  errorExamples,
  errorReasonsFor,
  errorResponses,
  operationShape,
  RouteTraits,
  routeTraitsByOperationId,
} from './error-responses';

/** `PaymentsController.create` is `Payments_create`. */
export function operationIdFor(controllerKey: string, methodKey: string): string {
  return `${controllerKey.replace(/Controller$/, '')}_${methodKey}`;
}

/**
 * The OpenAPI document, generated from the controllers' decorators and the DTOs (Swagger CLI
 * plugin metadata in `src/metadata.ts`). `openapi.json` at the repository root is this
 * document, sorted; a test fails when it is stale.
 */
/** What /reference says about UnionPay channels; docs/providers.md says the same at length. */
const UNIONPAY_TAG_DESCRIPTION = [
  'UnionPay online payments (银联全渠道 ACP 5.1.0): a channel with `provider: "unionpay"` and',
  '`config` `{mer_id, private_key + sign_cert (PEM) | private_key_pfx (base64 PKCS#12) +',
  'private_key_password, middle_cert, root_cert, gateway_url?, file_url?, product: gateway|qr,',
  'channel_type?: auto|07|08, validate_cn?}`. The PKCS#12 file is read once; its key is kept',
  'sealed and shown masked, the file and password are not kept.',
  '',
  '- `product: gateway` (网关支付, PC and mobile web): `pay_url` is the page below, which signs the',
  "  form and has the payer's browser post it to UnionPay (`frontTransReq.do`).",
  '- `product: qr` (二维码支付): `pay_url` is the `qrCode` UnionPay answers.',
  '',
  "Notifications are verified against UnionPay's certificate chain (`middle_cert`, `root_cert`,",
  'the CN `中国银联股份有限公司`) and confirmed with a query before they are applied. UnionPay has',
  "no close: closing queries first, and `payTimeout` is the order's expiry. A refund of the whole",
  "amount on the payment's UnionPay day (before 23:00 Beijing) is a void. Reconciliation reads",
  'the ZM statement file.',
  '',
  "The provider's test environment: `gateway_url: https://gateway.test.95516.com`, `file_url:",
  'https://filedownload.test.95516.com`, the test merchant code and `acp_test_sign.pfx`',
  '(password `000000`), the test middle and root certificates, and `validate_cn: false` (the test',
  "signing certificate's CN is `00040000:SIGN`).",
].join('\n');

export async function buildOpenApiDocument(app: INestApplication): Promise<OpenAPIObject> {
  const metadata = await import('../metadata');
  await SwaggerModule.loadPluginMetadata(metadata.default);
  const config = new DocumentBuilder()
    .setTitle('paygate API')
    .setDescription(
      'One REST API for Alipay, WeChat Pay, UnionPay and a sandbox: orders, routing and ' +
        'failover, refunds, a hosted cashier, signed webhooks and daily clearing. Every response ' +
        'is wrapped in the envelope ' +
        '`{code, message, data, request_id}`; amounts are integer minor units (1000 = 10.00 CNY).',
    )
    .setVersion(API_VERSION)
    .addTag('银联 UnionPay', UNIONPAY_TAG_DESCRIPTION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addCookieAuth(
      'paygate_session',
      {
        type: 'apiKey',
        in: 'cookie',
        description:
          'A web console session (POST /v1/console/session); changes also need X-CSRF-Token.',
      },
      'session',
    )
    .addBasicAuth(
      { type: 'http', scheme: 'basic', description: 'client_id:client_secret' },
      'basic',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: operationIdFor,
  });
  document.components = document.components ?? {};
  document.components.schemas = {
    ...document.components.schemas,
    ErrorEnvelope: errorEnvelopeSchema(),
  };
  document.components.examples = { ...document.components.examples, ...errorExamples() };
  describeEnvelopes(document, routeTraitsByOperationId(app, operationIdFor));
  return document;
}

/**
 * What the decorators describe is the `data` of each answer; on the wire every JSON answer is
 * an envelope. Wrapping here, once, keeps the document true for every route, including ones
 * added later, and lets the contract test check real responses against it. Bodies are also
 * accepted as forms, with the same fields. Each operation lists the error reasons it can
 * answer with, per status (see `errorReasonsFor`).
 */
function describeEnvelopes(document: OpenAPIObject, traits: Map<string, RouteTraits>): void {
  for (const [pathName, path] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(path) as [string, OperationObject][]) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      for (const [status, response] of Object.entries(operation.responses) as [
        string,
        ResponseObject,
      ][]) {
        if (!/^2\d\d$/.test(status)) continue;
        const json = response.content?.['application/json'];
        if (!json?.schema) continue;
        json.schema = successEnvelopeSchema(json.schema);
      }
      const route = operation.operationId ? traits.get(operation.operationId) : undefined;
      if (route) {
        // a route that needs a token says so even when its controller forgot @ApiBearerAuth
        if (!route.isPublic && !operation.security) operation.security = [{ bearer: [] }];
        if (route.permission) describePermission(operation, route.permission);
        const reasons = errorReasonsFor(operationShape(pathName, method, operation), route);
        const declared = { ...operation.responses } as Record<string, ResponseObject>;
        Object.assign(operation.responses, errorResponses(reasons, route.errorPages));
        keepDeclaredErrorBodies(operation.responses, declared);
      }
      operation.responses.default = route?.errorPages
        ? {
            description: 'Error: a page saying why, in the payer’s language.',
            content: { 'text/html': { schema: { type: 'string' } } },
          }
        : {
            description: 'Error: the error envelope; `reason` says why.',
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } },
            },
          };
      const body = operation.requestBody as RequestBodyObject | undefined;
      const jsonBody = body?.content?.['application/json'];
      if (body && jsonBody && !body.content['application/x-www-form-urlencoded']) {
        body.content['application/x-www-form-urlencoded'] = { schema: jsonBody.schema };
      }
    }
  }
}

/**
 * The permission a route needs and the roles holding it (src/auth/permissions.ts), as text and
 * as `x-permission`, so clients (the console's menus) and tests read the role table from here.
 */
function describePermission(operation: OperationObject, permission: Permission): void {
  const roles = rolesWith(permission)
    .map((role) => `\`${role}\``)
    .join(', ');
  const line = `Permission \`${permission}\`: ${roles}.`;
  operation.description = operation.description ? `${operation.description}\n\n${line}` : line;
  (operation as OperationObject & { 'x-permission': Permission })['x-permission'] = permission;
}

/**
 * An error status whose decorators describe a body of their own (a provider's refusal in the
 * provider's format) answers with either that body or the error envelope.
 */
function keepDeclaredErrorBodies(
  responses: OperationObject['responses'],
  declared: Record<string, ResponseObject>,
): void {
  for (const [status, own] of Object.entries(declared)) {
    const ownSchema = own.content?.['application/json']?.schema;
    const generated = responses[status] as ResponseObject | undefined;
    const json = generated?.content?.['application/json'];
    if (!/^[45]\d\d$/.test(status) || !ownSchema || !json?.schema || generated === own) continue;
    json.schema = { oneOf: [json.schema, ownSchema] };
    generated!.description = `${generated!.description}\n\nOr: ${own.description}`;
  }
}

function successEnvelopeSchema(data: SchemaObject | ReferenceObject): SchemaObject {
  return {
    type: 'object',
    required: ['code', 'message', 'data', 'request_id'],
    properties: {
      code: { type: 'string', enum: ['0000'] },
      message: { type: 'string', example: 'success' },
      data,
      request_id: { type: 'string' },
    },
  };
}

/** Stable text of the document: keys sorted, two-space indented, trailing newline. */
export function serializeOpenApi(document: OpenAPIObject): string {
  return `${stringify(document, null, 2)}\n`;
}

function errorEnvelopeSchema() {
  return {
    type: 'object',
    required: ['code', 'message', 'reason', 'request_id'],
    properties: {
      code: { type: 'string', description: 'The HTTP status as a string', example: '400' },
      message: { type: 'string', description: 'Human text in the language of Accept-Language' },
      reason: {
        type: 'string',
        description: 'Stable machine-readable reason; never changes once published',
        enum: Object.keys(ERROR_CATALOGUE).sort(),
      },
      errors: {
        type: 'array',
        description: 'Field problems, only for invalid fields',
        items: {
          type: 'object',
          required: ['field', 'message'],
          properties: { field: { type: 'string' }, message: { type: 'string' } },
        },
      },
      request_id: { type: 'string' },
    },
  };
}

/**
 * Swagger UI loads its own scripts and styles from /docs (no inline script); it styles inline
 * and draws icons from data: URLs. "Try it out" calls this origin only.
 */
const SWAGGER_UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

export function setupSwaggerUi(app: INestApplication, document: OpenAPIObject): void {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  // on the routes themselves (decided by the route, never by the request's URL, which may
  // spell the path encoded: `/%64ocs/` reaches `/docs/`), before SwaggerModule adds them
  const setPolicy: onRequestHookHandler = (_request, reply, done) => {
    reply.header('content-security-policy', SWAGGER_UI_CSP);
    done();
  };
  fastify.addHook('onRoute', (route) => {
    if (!/^\/docs(?:[/-]|$)/.test(route.url)) return;
    const hooks = route.onRequest;
    route.onRequest = [...(hooks ? (Array.isArray(hooks) ? hooks : [hooks]) : []), setPolicy];
  });
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    swaggerOptions: { persistAuthorization: true },
    customSiteTitle: 'paygate API',
  });
}
