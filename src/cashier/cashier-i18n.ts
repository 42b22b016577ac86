import Negotiator from 'negotiator';
import { Wallet } from '../channels/providers/payment-provider.port';

/** The cashier speaks Chinese unless the browser prefers English. */
export type CashierLanguage = 'zh-CN' | 'en';

export function cashierLanguage(acceptLanguage: string | string[] | undefined): CashierLanguage {
  if (!acceptLanguage) return 'zh-CN';
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : acceptLanguage;
  const best = new Negotiator({ headers: { 'accept-language': header } }).language([
    'zh-CN',
    'zh',
    'en',
  ]);
  return best === 'en' ? 'en' : 'zh-CN';
}

const WALLET_NAMES: Record<Wallet, Record<CashierLanguage, string>> = {
  wechat: { 'zh-CN': '微信支付', en: 'WeChat Pay' },
  alipay: { 'zh-CN': '支付宝', en: 'Alipay' },
  unionpay: { 'zh-CN': '云闪付', en: 'UnionPay' },
  sandbox: { 'zh-CN': '沙箱', en: 'Sandbox' },
};

export function walletName(wallet: Wallet, language: CashierLanguage): string {
  return WALLET_NAMES[wallet][language];
}

/** Every text of the cashier's pages, in both languages (a test holds the key sets equal). */
export const CASHIER_TEXTS = {
  'zh-CN': {
    title: '收银台',
    amount: '支付金额',
    order: '订单号',
    payBefore: '请在此时间前完成支付',
    payWith: '使用{wallet}支付',
    scanWith: '请使用{wallet}扫码',
    openSandbox: '打开沙箱支付页',
    choose: '请选择支付方式',
    loading: '正在准备…',
    waiting: '支付完成后本页会自动更新',
    paid: '支付成功',
    paidBack: '支付成功，正在返回商户页面…',
    back: '返回商户',
    closed: '订单已关闭',
    closedText: '该订单已关闭或支付失败，如需继续购买请向商户重新下单。',
    cancelled: '支付已取消，可以重新选择支付方式',
    networkError: '网络异常，请稍后重试',
    noWallet: '该订单暂不支持{wallet}',
    appsThatWork: '可以使用以下方式支付：',
    openIn: '请用以下应用扫描或打开本页面：',
    noMethod: '该订单暂无可用的支付方式，请联系商户。',
    noMethodTitle: '暂无可用的支付方式',
    scanThisPage: '请用手机扫码，在支付应用中打开本页面',
    confirming: '正在确认支付结果…',
    expired: '支付链接已过期',
    notFound: '支付链接不存在',
    errorTitle: '无法完成操作',
    requestId: '请求编号',
    enterAmount: '请输入金额',
    amountUnit: '金额（{currency}）',
    next: '下一步',
    fixedAmount: '金额',
    scanToPay: '扫码支付',
    needScript: '请在浏览器中启用 JavaScript 后继续支付。',
  },
  en: {
    title: 'Checkout',
    amount: 'Amount',
    order: 'Order',
    payBefore: 'Pay before',
    payWith: 'Pay with {wallet}',
    scanWith: 'Scan with {wallet}',
    openSandbox: 'Open the sandbox page',
    choose: 'Choose how to pay',
    loading: 'Preparing…',
    waiting: 'This page updates by itself once you have paid',
    paid: 'Payment received',
    paidBack: 'Payment received; taking you back to the shop…',
    back: 'Back to the shop',
    closed: 'This order is closed',
    closedText: 'The order was closed or its payment failed; ask the shop for a new order.',
    cancelled: 'Payment cancelled; you can choose again',
    networkError: 'Network problem; please try again',
    noWallet: 'This order cannot be paid with {wallet}',
    appsThatWork: 'You can pay with:',
    openIn: 'Scan or open this page with one of these apps:',
    noMethod: 'No way to pay this order is available right now; please contact the shop.',
    noMethodTitle: 'No way to pay is available',
    scanThisPage: 'Scan this page with your phone and open it in a payment app',
    confirming: 'Confirming your payment…',
    expired: 'This payment link has expired',
    notFound: 'This payment link does not exist',
    errorTitle: 'Something stopped this',
    requestId: 'Request id',
    enterAmount: 'Enter the amount',
    amountUnit: 'Amount ({currency})',
    next: 'Continue',
    fixedAmount: 'Amount',
    scanToPay: 'Scan to pay',
    needScript: 'Turn on JavaScript in your browser to pay.',
  },
} as const satisfies Record<CashierLanguage, Record<string, string>>;

export type CashierText = keyof (typeof CASHIER_TEXTS)['en'];

export function text(
  language: CashierLanguage,
  key: CashierText,
  params: Record<string, string> = {},
): string {
  return CASHIER_TEXTS[language][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : params[name],
  );
}
