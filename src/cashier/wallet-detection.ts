import { Wallet } from '../channels/providers/payment-provider.port';

/**
 * Where the payer opened the cashier, from the browser's User-Agent: inside a wallet's own
 * app (WeChat adds `MicroMessenger`, Alipay `AlipayClient`, UnionPay's 云闪付 `UnionPay` or
 * `CloudPay`), in another phone browser, or on a computer.
 */
export type PayerPlace =
  | { kind: 'in_wallet'; wallet: Exclude<Wallet, 'sandbox'> }
  | { kind: 'mobile' }
  | { kind: 'desktop' };

const IN_WALLET: [RegExp, Exclude<Wallet, 'sandbox'>][] = [
  [/MicroMessenger\//i, 'wechat'],
  [/AlipayClient\//i, 'alipay'],
  [/\b(UnionPay|CloudPay)\b/i, 'unionpay'],
];

const MOBILE = /\b(Mobile|Android|iPhone|iPad|iPod|HarmonyOS|Windows Phone)\b/i;

export function detectPayerPlace(userAgent: string | undefined): PayerPlace {
  const ua = userAgent ?? '';
  for (const [pattern, wallet] of IN_WALLET) {
    if (pattern.test(ua)) return { kind: 'in_wallet', wallet };
  }
  return MOBILE.test(ua) ? { kind: 'mobile' } : { kind: 'desktop' };
}

/** The scene a wallet's product must serve for a payer there. */
export function sceneOf(place: PayerPlace): 'in_wallet' | 'qr' | 'mobile_web' {
  if (place.kind === 'in_wallet') return 'in_wallet';
  return place.kind === 'mobile' ? 'mobile_web' : 'qr';
}
