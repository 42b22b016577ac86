import { CASHIER_TEXTS, cashierLanguage } from './cashier-i18n';
import { renderCheckout, renderCodePage, renderNoWallet, renderOutcome } from './cashier-pages';

const ORDER = {
  token: 'T'.repeat(52),
  orderId: 'ord_1',
  productName: '<script>alert(1)</script>',
  amountText: '¥12.50',
  expiresAt: Date.parse('2026-11-26T02:45:30.123Z'),
  returnUrl: 'https://shop.example.com/done?a=1&b="2"',
};

describe('cashier pages', () => {
  it('has every text in both languages', () => {
    expect(Object.keys(CASHIER_TEXTS['zh-CN']).sort()).toEqual(
      Object.keys(CASHIER_TEXTS.en).sort(),
    );
  });

  it('speaks Chinese unless the browser prefers English', () => {
    expect(cashierLanguage(undefined)).toBe('zh-CN');
    expect(cashierLanguage('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN');
    expect(cashierLanguage('en-US,en;q=0.9')).toBe('en');
    expect(cashierLanguage('fr-FR')).toBe('zh-CN');
  });

  it('escapes what merchants and payers wrote, and carries no inline script or style', () => {
    const html = renderCheckout('zh-CN', ORDER, { kind: 'links', wallets: ['wechat', 'alipay'] });
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).not.toMatch(/<script>|<style>|style=|on(click|load)=/);
    expect(html).toContain('<script src="/cashier/assets/cashier.js" defer></script>');
    const code = renderCodePage(
      'en',
      {
        token: 'c'.repeat(22),
        name: 'Till "1"',
        productName: 'x',
        currency: 'CNY',
        fixedAmountText: null,
      },
      'bad',
      '"><img src=x>',
    );
    expect(code).toContain('value="&#34;&#62;&#60;img src=x&#62;"');
    expect(code).toContain('Till &#34;1&#34;');
  });

  it('sends a paid payer back to the merchant’s return_url, escaped', () => {
    const html = renderOutcome('en', ORDER, 'paid');
    expect(html).toContain(
      '<meta http-equiv="refresh" content="2;url=https://shop.example.com/done?a=1&#38;b=&#34;2&#34;">',
    );
    expect(renderOutcome('en', ORDER, 'closed')).not.toContain('http-equiv="refresh"');
  });

  it('without a wallet for the payer’s place, shows the page’s own QR code and the apps that open it', () => {
    const html = renderNoWallet('zh-CN', ORDER, null, ['wechat']);
    expect(html).toContain('请用手机扫码，在支付应用中打开本页面');
    expect(html).toContain(`<img class="page-qr" src="/cashier/${ORDER.token}/qr.png"`);
    expect(html).toContain('<li class="wallet-wechat">微信支付</li>');
    const none = renderNoWallet('en', ORDER, null, []);
    expect(none).toContain('No way to pay is available');
    expect(none).not.toContain('page-qr');
    expect(renderNoWallet('en', ORDER, 'unionpay', ['alipay'])).toContain(
      'This order cannot be paid with UnionPay',
    );
  });
});
