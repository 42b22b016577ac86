import { Wallet } from '../channels/providers/payment-provider.port';
import { CashierLanguage, text, walletName } from './cashier-i18n';

/**
 * The payer's pages of the cashier: server-rendered, every value escaped, styles and the one
 * script served as files of this server (no inline code, no CDN). The Content-Security-Policy
 * below is the only one these pages are sent with (see CashierPage and the page filter).
 */
export const CASHIER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const HTML = 'text/html; charset=utf-8';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What the pages show of an order. */
export interface OrderView {
  token: string;
  orderId: string;
  productName: string;
  /** The amount in major units with its currency, e.g. `¥12.50` or `12.50 USD`. */
  amountText: string;
  expiresAt: number;
  returnUrl: string | null;
}

/** How the payer pays on the page: at once in the wallet's app, or by choosing. */
export type CheckoutMode =
  | { kind: 'in_wallet'; wallet: Wallet; start: boolean }
  | { kind: 'qr'; wallets: Wallet[] }
  | { kind: 'links'; wallets: Wallet[] };

function layout(
  language: CashierLanguage,
  title: string,
  body: string,
  options: { refreshTo?: string } = {},
): string {
  const refresh = options.refreshTo
    ? `<meta http-equiv="refresh" content="2;url=${escapeHtml(options.refreshTo)}">\n`
    : '';
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${refresh}<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/cashier/assets/cashier.css">
<script src="/cashier/assets/cashier.js" defer></script>
</head>
<body>
${body}
</body>
</html>`;
}

function summary(language: CashierLanguage, order: OrderView): string {
  return `<header class="summary">
<p class="product">${escapeHtml(order.productName)}</p>
<p class="amount" data-testid="amount">${escapeHtml(order.amountText)}</p>
<p class="muted">${text(language, 'order')} ${escapeHtml(order.orderId)}</p>
<p class="muted">${text(language, 'payBefore')} <time datetime="${new Date(order.expiresAt).toISOString()}">${escapeHtml(beijingClock(order.expiresAt))}</time></p>
</header>`;
}

/** The order's page while it waits to be paid. */
export function renderCheckout(
  language: CashierLanguage,
  order: OrderView,
  mode: CheckoutMode,
): string {
  const t = (key: Parameters<typeof text>[1], params?: Record<string, string>) =>
    escapeHtml(text(language, key, params));
  const name = (wallet: Wallet) => walletName(wallet, language);
  let choices: string;
  if (mode.kind === 'in_wallet') {
    choices = `<button class="pay wallet-${mode.wallet}" data-wallet="${mode.wallet}" data-auto="${mode.start ? 1 : 0}">${t('payWith', { wallet: name(mode.wallet) })}</button>`;
  } else if (mode.kind === 'qr') {
    choices = `<h2>${t('scanToPay')}</h2><div class="tiles">${mode.wallets
      .map(
        (wallet) => `<figure class="tile wallet-${wallet}" data-wallet="${wallet}" data-auto="1">
<img alt="${escapeHtml(name(wallet))} QR" width="200" height="200">
<figcaption>${t('scanWith', { wallet: name(wallet) })}</figcaption>
${wallet === 'sandbox' ? `<a class="open-link" hidden target="_blank" rel="noopener">${t('openSandbox')}</a>` : ''}
</figure>`,
      )
      .join('\n')}</div>`;
  } else {
    choices = `<h2>${t('choose')}</h2>${mode.wallets
      .map(
        (wallet) =>
          `<button class="pay wallet-${wallet}" data-wallet="${wallet}">${t('payWith', { wallet: name(wallet) })}</button>`,
      )
      .join('\n')}`;
  }
  const body = `<main id="cashier" class="card${mode.kind === 'qr' ? ' wide' : ''}"
 data-pay-url="/cashier/${escapeHtml(order.token)}/pay"
 data-status-url="/cashier/${escapeHtml(order.token)}/status"
 data-msg-paid="${t('paid')}" data-msg-paid-back="${t('paidBack')}" data-msg-closed="${t('closed')}"
 data-msg-cancelled="${t('cancelled')}" data-msg-network="${t('networkError')}" data-msg-loading="${t('loading')}">
${summary(language, order)}
<section class="choices">
${choices}
</section>
<p id="cashier-message" class="message" role="status">${t(mode.kind === 'in_wallet' && !mode.start ? 'confirming' : 'waiting')}</p>
<noscript><p class="message error">${t('needScript')}</p></noscript>
</main>`;
  return layout(language, text(language, 'title'), body);
}

/**
 * The payer's wallet (or, with null, the payer's place) has no channel for this order: which
 * apps do. Without a wallet the page also shows its own QR code, for a phone to scan.
 */
export function renderNoWallet(
  language: CashierLanguage,
  order: OrderView,
  wallet: Wallet | null,
  available: Wallet[],
): string {
  const list =
    available.length > 0
      ? `<p>${escapeHtml(text(language, 'openIn'))}</p><ul class="apps">${available
          .map((w) => `<li class="wallet-${w}">${escapeHtml(walletName(w, language))}</li>`)
          .join('')}</ul>`
      : `<p>${escapeHtml(text(language, 'noMethod'))}</p>`;
  const heading = wallet
    ? text(language, 'noWallet', { wallet: walletName(wallet, language) })
    : text(language, available.length > 0 ? 'scanThisPage' : 'noMethodTitle');
  const pageQr =
    !wallet && available.length > 0
      ? `<img class="page-qr" src="/cashier/${escapeHtml(order.token)}/qr.png" alt="QR" width="200" height="200">`
      : '';
  const body = `<main class="card notice" data-page="no-wallet">
${summary(language, order)}
<h1>${escapeHtml(heading)}</h1>
${pageQr}
${list}
</main>`;
  return layout(language, text(language, 'title'), body);
}

/** Paid, or over: sends the payer back to the merchant when it gave a return_url. */
export function renderOutcome(
  language: CashierLanguage,
  order: OrderView,
  outcome: 'paid' | 'closed',
): string {
  const paid = outcome === 'paid';
  const back = order.returnUrl
    ? `<p><a class="back" href="${escapeHtml(order.returnUrl)}">${escapeHtml(text(language, 'back'))}</a></p>`
    : '';
  const body = `<main class="card outcome ${paid ? 'paid' : 'closed'}" data-page="${outcome}">
${summary(language, order)}
<h1>${escapeHtml(text(language, paid ? 'paid' : 'closed'))}</h1>
${paid ? '' : `<p>${escapeHtml(text(language, 'closedText'))}</p>`}
${back}
</main>`;
  return layout(language, text(language, paid ? 'paid' : 'closed'), body, {
    refreshTo: paid && order.returnUrl ? order.returnUrl : undefined,
  });
}

/** A failure the payer can read: expired or unknown link, a refused step, our own error. */
export function renderError(
  language: CashierLanguage,
  page: { status: number; title: string; message: string; requestId: string },
): string {
  const body = `<main class="card notice" data-page="error" data-status="${page.status}">
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.message)}</p>
<p class="muted">${escapeHtml(text(language, 'requestId'))} ${escapeHtml(page.requestId)}</p>
</main>`;
  return layout(language, page.title, body);
}

/** What the static code's page shows. */
export interface CodeView {
  token: string;
  name: string;
  productName: string;
  currency: string;
  /** The fixed amount as text, when the code has one. */
  fixedAmountText: string | null;
}

/** A static code's page: the payer types the amount (or sees the fixed one) and continues. */
export function renderCodePage(
  language: CashierLanguage,
  code: CodeView,
  problem: string | null = null,
  typed = '',
): string {
  const amount = code.fixedAmountText
    ? `<p class="amount" data-testid="amount">${escapeHtml(code.fixedAmountText)}</p>`
    : `<label for="amount">${escapeHtml(text(language, 'amountUnit', { currency: code.currency }))}</label>
<input id="amount" name="amount" inputmode="decimal" autocomplete="off" required maxlength="16" value="${escapeHtml(typed)}" placeholder="0.00">`;
  const body = `<main class="card code">
<header class="summary">
<p class="product">${escapeHtml(code.name)}</p>
${code.productName === code.name ? '' : `<p class="muted">${escapeHtml(code.productName)}</p>`}
</header>
<form method="post" action="/cashier/c/${escapeHtml(code.token)}" class="amount-form">
${amount}
${problem ? `<p class="message error" role="alert">${escapeHtml(problem)}</p>` : ''}
<button class="pay" type="submit">${escapeHtml(text(language, 'next'))}</button>
</form>
</main>`;
  return layout(language, code.name, body);
}

/** `yyyy-MM-dd HH:mm` in Beijing, where the payers are. */
function beijingClock(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}
