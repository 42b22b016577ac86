import { ExecutionContext, SetMetadata } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { AppError } from '../errors/app-error';

export const RAW_RESPONSE = 'paygate:raw-response';
export const PRODUCES = 'paygate:produces';

/**
 * The handler writes its own body (Prometheus text, CSV, HTML, a provider's expected reply):
 * the success envelope is not applied. Errors still get the error envelope.
 */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

/** Media types the route answers with; an `Accept` header that excludes all of them is 406. */
export const Produces = (...types: string[]) => SetMetadata(PRODUCES, types);

export const ERROR_PAGE = 'paygate:error-page';

/**
 * How a route that people open in a browser shows an error: a page instead of the error
 * envelope (the same reason and status, from the same filter). `render` gets the error and the
 * request's Accept-Language; `headers` go with the page (its Content-Security-Policy).
 */
export interface ErrorPage {
  headers: Record<string, string>;
  render(error: AppError, requestId: string, acceptLanguage: string | undefined): string;
}

export const ErrorPageFor = (page: ErrorPage) => SetMetadata(ERROR_PAGE, page);

const PATTERNS = new WeakMap<object, readonly string[]>();

/**
 * The path patterns of the route that matched (e.g. `/v1/payments/:order_id`), from its
 * controller's and handler's metadata. Path-based rules decide by these, never by the
 * request's URL: the router matches the percent-decoded path, so `/%761/payments` reaches
 * `/v1/payments` while its URL does not start with `/v1/`. Worked out once per handler.
 */
export function routePatterns(context: ExecutionContext): readonly string[] {
  const handler = context.getHandler();
  let patterns = PATTERNS.get(handler);
  if (!patterns) {
    const prefixes = asList(Reflect.getMetadata(PATH_METADATA, context.getClass()));
    const paths = asList(Reflect.getMetadata(PATH_METADATA, handler));
    patterns = prefixes.flatMap((prefix) =>
      paths.map((path) => `/${`${prefix}/${path}`.split('/').filter(Boolean).join('/')}`),
    );
    PATTERNS.set(handler, patterns);
  }
  return patterns;
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.length > 0 ? value.map(String) : [''];
  return [value === undefined ? '' : String(value)];
}
