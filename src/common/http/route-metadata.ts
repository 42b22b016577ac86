import { SetMetadata } from '@nestjs/common';
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
