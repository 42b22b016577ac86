import { createHmac, hkdfSync, KeyObject, timingSafeEqual } from 'node:crypto';

/**
 * The gateway product's `pay_url`: a page of this server that posts the signed ACP form to
 * UnionPay from the payer's browser. The link carries what the form needs and an HMAC over it,
 * keyed from the channel's signing key, so that nobody can change the amount or the expiry
 * and have the page sign it.
 */
export interface UnionpayPayLink {
  orderId: string;
  channel: string;
  amount: number;
  /** Epoch ms: the order's expiry, sent as payTimeout; the page refuses to post after it. */
  expires: number;
}

export const PAY_PAGE_PATH = '/unionpay/pay';
/** The page's own script (posts the form): no inline script runs on it. */
export const PAY_SCRIPT_PATH = '/unionpay/pay.js';

const keys = new WeakMap<KeyObject, Buffer>();

function linkKey(privateKey: KeyObject): Buffer {
  let key = keys.get(privateKey);
  if (!key) {
    const der = privateKey.export({ type: 'pkcs8', format: 'der' });
    key = Buffer.from(hkdfSync('sha256', der, Buffer.alloc(0), 'paygate unionpay pay link', 32));
    keys.set(privateKey, key);
  }
  return key;
}

function linkText(link: UnionpayPayLink): string {
  return ['unionpay-pay', link.orderId, link.channel, link.amount, link.expires].join('|');
}

export function signPayLink(privateKey: KeyObject, link: UnionpayPayLink): string {
  return createHmac('sha256', linkKey(privateKey)).update(linkText(link)).digest('base64url');
}

export function verifyPayLink(privateKey: KeyObject, link: UnionpayPayLink, sig: string): boolean {
  const expected = Buffer.from(signPayLink(privateKey, link));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function payLinkUrl(publicBaseUrl: string, privateKey: KeyObject, link: UnionpayPayLink) {
  const query = new URLSearchParams({
    channel: link.channel,
    amount: String(link.amount),
    expires: String(link.expires),
    sig: signPayLink(privateKey, link),
  });
  return `${publicBaseUrl}${PAY_PAGE_PATH}/${encodeURIComponent(link.orderId)}?${query.toString()}`;
}

/** Mobile browsers get UnionPay's mobile pages (channelType 08), others the PC pages (07). */
export function channelTypeFor(userAgent: string | undefined): '07' | '08' {
  return /Mobile|Android|iPhone|iPad|iPod|HarmonyOS|UnionPay|CloudPay/i.test(userAgent ?? '')
    ? '08'
    : '07';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A page that posts `fields` to `action` on load (through PAY_SCRIPT_PATH, since the page's CSP
 * allows no inline script), with a button for browsers that run no script. Reusable by any
 * hosted page that hands the payer to a provider with a signed form.
 */
export function renderAutoSubmitPage(options: {
  action: string;
  fields: Record<string, string>;
  title: string;
  note: string;
  button: string;
}): string {
  const inputs = Object.entries(options.fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n');
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<script src="${PAY_SCRIPT_PATH}" defer></script>
<style>
body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222;text-align:center}
button{font-size:1rem;padding:.6rem 1.4rem;border-radius:6px;border:0;background:#e60012;color:#fff;cursor:pointer}
</style>
</head>
<body>
<p>${escapeHtml(options.note)}</p>
<form id="pay-form" method="post" action="${escapeHtml(options.action)}" accept-charset="UTF-8">
${inputs}
<button type="submit">${escapeHtml(options.button)}</button>
</form>
</body>
</html>`;
}

/** What PAY_SCRIPT_PATH serves: submits the page's form once it is parsed. */
export const AUTO_SUBMIT_SCRIPT =
  "document.addEventListener('DOMContentLoaded',function(){var f=document.getElementById('pay-form');if(f)f.submit();});\n";

/** Where UnionPay returns the payer: nothing is read from what it posts. */
export function renderReturnPage(orderId: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>银联在线支付 UnionPay</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222;text-align:center}</style>
</head>
<body>
<h1>支付已提交 Payment submitted</h1>
<p>订单 Order ${escapeHtml(orderId)}: 商户将在银联确认后收到结果。The merchant is told the result once UnionPay confirms it; you may close this page.</p>
</body>
</html>`;
}
