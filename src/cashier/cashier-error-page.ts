import { AppError } from '../common/errors/app-error';
import { renderMessage } from '../common/errors/messages';
import { ERROR_CATALOGUE } from '../common/errors/error-catalogue';
import { ErrorPage } from '../common/http/route-metadata';
import { cashierLanguage, text } from './cashier-i18n';
import { CASHIER_CSP, renderError } from './cashier-pages';

/** The headers of every cashier page, success or failure: set here only. */
export const CASHIER_PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': CASHIER_CSP,
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

/**
 * How the cashier's pages fail: a page in the payer's language saying what happened (the
 * catalogue's message for the reason), with the request id, never a stack trace or a blank.
 */
export const CASHIER_ERROR_PAGE: ErrorPage = {
  headers: CASHIER_PAGE_HEADERS,
  render(error: AppError, requestId: string, acceptLanguage: string | undefined): string {
    const language = cashierLanguage(acceptLanguage);
    const status = ERROR_CATALOGUE[error.reason].status;
    const title =
      error.reason === 'cashier_link_expired'
        ? text(language, 'expired')
        : error.reason === 'cashier_link_not_found'
          ? text(language, 'notFound')
          : text(language, 'errorTitle');
    return renderError(language, {
      status,
      title,
      message: renderMessage(error.reason, error.params, language),
      requestId,
    });
  },
};
