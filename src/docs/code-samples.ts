import { addTargetClient, Client, HTTPSnippet, targets } from 'httpsnippet';
import { OpenAPIObject } from '@nestjs/swagger';
import {
  ExampleObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  RequestBodyObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** One tab of an operation's code samples, as Redoc reads `x-codeSamples`. */
export interface CodeSample {
  lang: string;
  label: string;
  source: string;
}

/** The tabs of the original document (shell, Java, PHP, Python, Ruby), then JavaScript. */
export const SAMPLE_TABS = [
  { lang: 'Shell', label: 'Shell', target: 'shell', client: 'paygate' },
  { lang: 'Java', label: 'Java', target: 'java', client: 'okhttp' },
  { lang: 'PHP', label: 'PHP', target: 'php', client: 'curl' },
  { lang: 'Python', label: 'Python', target: 'python', client: 'requests' },
  { lang: 'Ruby', label: 'Ruby', target: 'ruby', client: 'native' },
  { lang: 'JavaScript', label: 'JavaScript', target: 'javascript', client: 'fetch' },
] as const;

/** The token placeholder: a shell variable in curl, a marker to replace in the other languages. */
const SHELL_TOKEN = '$TOKEN';
const CODE_TOKEN = '<access_token>';

/** Path parameters get values that look like the real thing. */
const PATH_EXAMPLES: Record<string, string> = {
  order_id: 'ord_01JD6Q7B2M4N8P0R3S5T7V9X1Z',
  source_id: '1000001',
  code: 'sandbox_main',
  channel_code: 'sandbox_main',
  client_id: 'mch_1000001_k3j9',
};

/**
 * `x-codeSamples` for every operation of the document: the request an integrator would send,
 * with an example body built from the schema's examples, in each language of `SAMPLE_TABS`
 * (httpsnippet). 订单创建 is shown exactly as the original document wrote it: form fields and
 * the `access_token` header; everything else with `Authorization: Bearer`.
 */
export function addCodeSamples(document: OpenAPIObject, baseUrl: string): void {
  registerPaygateCurl();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item) as [string, OperationObject][]) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      (operation as unknown as Record<string, unknown>)['x-codeSamples'] = codeSamplesFor(
        document,
        baseUrl,
        path,
        method,
        operation,
      );
    }
  }
}

export function codeSamplesFor(
  document: OpenAPIObject,
  baseUrl: string,
  path: string,
  method: string,
  operation: OperationObject,
): CodeSample[] {
  const request = sampleRequest(document, baseUrl, path, method, operation);
  return SAMPLE_TABS.map((tab) => {
    const token = tab.target === 'shell' ? SHELL_TOKEN : CODE_TOKEN;
    const har = {
      method: method.toUpperCase(),
      url: request.url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headersSize: -1,
      bodySize: -1,
      queryString: [],
      headers: request.headers.map((h) => ({
        name: h.name,
        value: h.value.replace('{token}', token),
      })),
      postData: request.postData ?? { mimeType: '' },
    };
    const source = new HTTPSnippet(har).convert(tab.target, tab.client, { indent: '  ' });
    if (typeof source !== 'string') throw new Error(`no ${tab.lang} sample for ${method} ${path}`);
    return { lang: tab.lang, label: tab.label, source };
  });
}

interface SampleRequest {
  url: string;
  headers: { name: string; value: string }[];
  postData?: { mimeType: string; text?: string; params?: { name: string; value: string }[] };
}

function sampleRequest(
  document: OpenAPIObject,
  baseUrl: string,
  path: string,
  method: string,
  operation: OperationObject,
): SampleRequest {
  const parameters = (operation.parameters ?? []) as ParameterObject[];
  const filledPath = path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const parameter = parameters.find((p) => p.in === 'path' && p.name === name);
    const example = parameter ? exampleOf(document, parameter.schema, 0) : undefined;
    return encodeURIComponent(String(PATH_EXAMPLES[name] ?? example ?? name));
  });
  // the required query parameters, and the first optional one with an example, as a filter
  const inQuery = parameters.filter((p) => p.in === 'query');
  const filter = inQuery.find(
    (p) => !p.required && explicitExample(document, p.schema) !== undefined,
  );
  const query = inQuery
    .filter((p) => p.required || p === filter)
    .map((p) => {
      const value = p.example ?? exampleOf(document, p.schema, 0);
      return `${encodeURIComponent(p.name)}=${encodeURIComponent(String(value))}`;
    });
  const url = `${baseUrl}${filledPath}${query.length > 0 ? `?${query.join('&')}` : ''}`;

  const original = operation.summary?.startsWith('订单创建') === true;
  const authenticated = (operation.security ?? document.security ?? []).some((s) => 'bearer' in s);
  const headers = authenticated
    ? [
        original
          ? { name: 'access_token', value: '{token}' }
          : { name: 'Authorization', value: 'Bearer {token}' },
      ]
    : [];

  const body = (operation.requestBody as RequestBodyObject | undefined)?.content[
    'application/json'
  ];
  if (!body) return { url, headers };
  const given =
    body.example ?? (Object.values(body.examples ?? {})[0] as ExampleObject | undefined)?.value;
  const example = (given ?? exampleOf(document, body.schema, 0)) as
    Record<string, unknown> | undefined;
  const fields = Object.entries(example ?? {});
  const flat = fields.every(([, v]) => v === null || typeof v !== 'object');
  if (flat) {
    // the original document's style: form fields, as `curl -d name=value` sends them
    return {
      url,
      headers,
      postData: {
        mimeType: 'application/x-www-form-urlencoded',
        params: fields.map(([name, value]) => ({ name, value: String(value) })),
      },
    };
  }
  return {
    url,
    headers: [...headers, { name: 'Content-Type', value: 'application/json' }],
    postData: { mimeType: 'application/json', text: JSON.stringify(example) },
  };
}

function explicitExample(
  document: OpenAPIObject,
  schema: SchemaObject | ReferenceObject | undefined,
): unknown {
  if (schema && '$ref' in schema) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return explicitExample(document, document.components?.schemas?.[name]);
  }
  return schema?.example;
}

/**
 * An example value from a schema: its own `example`, else its default or first enum value; an
 * object gets its required properties (or, when none is required, its first property with an
 * `example`, as a PATCH would send).
 */
export function exampleOf(
  document: OpenAPIObject,
  schema: SchemaObject | ReferenceObject | undefined,
  depth: number,
): unknown {
  if (!schema || depth > 5) return undefined;
  if ('$ref' in schema) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return exampleOf(document, document.components?.schemas?.[name], depth + 1);
  }
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  if (schema.type === 'array') {
    const item = exampleOf(document, schema.items, depth + 1);
    return item === undefined ? undefined : [item];
  }
  if (schema.type === 'object' || schema.properties) {
    const properties = Object.entries(schema.properties ?? {});
    const required = new Set(schema.required ?? []);
    const chosen =
      required.size > 0
        ? properties.filter(([name]) => required.has(name))
        : properties.filter(([, s]) => explicitExample(document, s) !== undefined).slice(0, 1);
    const entries = chosen
      .map(([name, s]) => [name, exampleOf(document, s, depth + 1)] as const)
      .filter(([, v]) => v !== undefined);
    return Object.fromEntries(entries);
  }
  if (schema.type === 'integer' || schema.type === 'number') return schema.minimum ?? 1;
  if (schema.type === 'boolean') return true;
  if (schema.type === 'string') return 'string';
  return undefined;
}

/**
 * curl as the original document writes it: `-H "access_token: $TOKEN" -d name=value … URL`.
 * httpsnippet's own curl client single-quotes header values, so `$TOKEN` would not expand, and
 * puts the URL first; this client keeps the library's request model and writes that form.
 */
const paygateCurl: Client = {
  info: {
    key: 'paygate',
    title: 'cURL (paygate)',
    link: 'https://curl.se/',
    description: "curl in the original API document's style",
  },
  convert: (request) => {
    const args = ['curl'];
    const params = request.postData?.params ?? [];
    const text = request.postData?.text;
    const hasBody = params.length > 0 || (text !== undefined && text !== '');
    if (request.method !== 'GET' && !(request.method === 'POST' && hasBody)) {
      args.push(`-X ${request.method}`);
    }
    for (const header of request.headers) {
      args.push(`-H ${doubleQuoted(`${header.name}: ${header.value}`)}`);
    }
    for (const param of params) {
      args.push(`-d ${shellWord(`${param.name}=${formEncode(param.value ?? '')}`)}`);
    }
    if (params.length === 0 && text) args.push(`-d ${singleQuoted(text)}`);
    args.push(shellWord(request.fullUrl));
    return args.join(' ');
  },
};

function registerPaygateCurl(): void {
  if (!targets.shell.clientsById[paygateCurl.info.key]) addTargetClient('shell', paygateCurl);
}

/** Form values as `application/x-www-form-urlencoded` wants them; plain words stay plain. */
function formEncode(value: string): string {
  return /^[A-Za-z0-9_.~:-]*$/.test(value) ? value : encodeURIComponent(value);
}

/** Double quotes, so `$TOKEN` expands; nothing else in the text is special to the shell. */
function doubleQuoted(text: string): string {
  return `"${text.replace(/(["\\`])/g, '\\$1')}"`;
}

function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:=%@,+-]+$/.test(text) ? text : singleQuoted(text);
}
