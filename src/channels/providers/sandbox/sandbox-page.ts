import { toMajorUnits } from '../../../common/money/money';
import { PayLink } from './sandbox-signing';

/** The sandbox's pages: self-contained HTML (no scripts, no external assets). */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
.card{border:1px solid #ddd;border-radius:8px;padding:1.5rem}
.amount{font-size:2rem;font-weight:600;margin:.5rem 0}
.muted{color:#666;font-size:.9rem;word-break:break-all}
form{display:inline-block;margin-right:.5rem}
button{font-size:1rem;padding:.6rem 1.4rem;border-radius:6px;border:0;cursor:pointer}
.pay{background:#1677ff;color:#fff}.fail{background:#eee;color:#a00}
</style>
</head>
<body><div class="card">${body}</div></body>
</html>`;
}

/** The payer's page: the amount in major units and two buttons posting back to the link. */
export function renderPayPage(link: PayLink, sig: string, decided: string | null): string {
  const amount = `${toMajorUnits(link.amount, link.currency)} ${link.currency}`;
  const action = `/sandbox/pay/${encodeURIComponent(link.orderId)}?${new URLSearchParams({
    channel: link.channel,
    amount: String(link.amount),
    currency: link.currency,
    expires: String(link.expires),
    sig,
  }).toString()}`;
  const button = (outcome: string, label: string) =>
    `<form method="post" action="${escapeHtml(action)}">` +
    `<input type="hidden" name="outcome" value="${outcome}">` +
    `<button class="${outcome === 'success' ? 'pay' : 'fail'}" type="submit">${label}</button></form>`;
  const actions = decided
    ? `<p>This payment is already <strong>${escapeHtml(decided)}</strong>.</p>`
    : button('success', 'Pay') + button('fail', 'Fail');
  return layout(
    'paygate sandbox payment',
    `<h1>Sandbox payment</h1>
<div class="amount">${escapeHtml(amount)}</div>
<p class="muted">Order ${escapeHtml(link.orderId)} · channel ${escapeHtml(link.channel)}</p>
<p class="muted">Link valid until ${escapeHtml(new Date(link.expires).toISOString())}</p>
${actions}`,
  );
}

export function renderResultPage(orderId: string, status: string): string {
  const paid = status === 'SUCCEEDED';
  return layout(
    'paygate sandbox payment',
    `<h1>${paid ? 'Payment succeeded' : 'Payment failed'}</h1>
<p class="muted">Order ${escapeHtml(orderId)}: ${escapeHtml(status)}. The gateway is notified.</p>`,
  );
}
