import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];

/** An answer of the API that is not a success: its message (in the page's language) and request id. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly requestId: string | null,
    readonly fieldErrors: { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

let language = 'zh-CN';
let onSessionLost: (reason: string) => void = () => undefined;

/** The API's messages follow Accept-Language: the console's language. */
export function setApiLanguage(value: string): void {
  language = value;
}

/** Called when the API says the session is gone (expired, logged out elsewhere, disabled). */
export function onUnauthenticated(handler: (reason: string) => void): void {
  onSessionLost = handler;
}

/** The `paygate_csrf` cookie the login set (readable by the page, unlike the session cookie). */
export function csrfToken(): string | undefined {
  const match = /(?:^|;\s*)paygate_csrf=([^;]*)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]) : undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Cookies go with every request (same origin); a change carries X-CSRF-Token (docs/console.md). */
const sessionHeaders: Middleware = {
  onRequest({ request }) {
    request.headers.set('accept-language', language);
    if (!SAFE_METHODS.has(request.method)) {
      const token = csrfToken();
      if (token) request.headers.set('x-csrf-token', token);
    }
    return request;
  },
};

/** The typed client of the API (types generated from openapi.json by `npm run console:types`). */
export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(sessionHeaders);

interface Envelope<T> {
  data: T;
}

interface ErrorBody {
  message?: string;
  reason?: string;
  request_id?: string;
  errors?: { field: string; message: string }[];
}

/**
 * The `data` of a successful answer; anything else thrown as an ApiError carrying the API's own
 * message and request id (a network failure too, with reason `network`).
 */
export async function unwrap<T>(
  call: Promise<{ data?: Envelope<T>; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: Envelope<T>; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (error) {
    throw new ApiError(0, 'network', error instanceof Error ? error.message : String(error), null);
  }
  const { data, error, response } = result;
  if (response.ok && data !== undefined) return data.data;
  const body = (typeof error === 'object' && error !== null ? error : {}) as ErrorBody;
  const reason = body.reason ?? `http_${response.status}`;
  const requestId = body.request_id ?? response.headers.get('x-request-id');
  if (
    response.status === 401 &&
    reason !== 'invalid_credentials' &&
    reason !== 'totp_required' &&
    reason !== 'invalid_totp'
  ) {
    onSessionLost(reason);
  }
  throw new ApiError(
    response.status,
    reason,
    body.message ?? response.statusText ?? reason,
    requestId,
    body.errors ?? [],
  );
}
