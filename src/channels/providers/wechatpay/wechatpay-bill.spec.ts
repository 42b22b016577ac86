import fc from 'fast-check';
import { parseWechatpayBill } from './wechatpay-bill';
import { orderIdOf, outTradeNoOf } from './wechatpay-ids';

const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,' +
  '货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,' +
  '商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';

describe('WeChat Pay trade bill', () => {
  it('reads payments and refunds, strips the backticks and stops at the summary block', () => {
    const text = [
      '\uFEFF' + HEADER,
      '`2024-05-01 12:00:03,`wxd678efh567hg6787,`1900000109,`0,`,`4200000001202405010000000001,' +
        '`0193c0a8e4f07c2a8b9f5d3e1a2b3c4d,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`SUCCESS,`OTHERS,`CNY,' +
        '`100.00,`0.00,`0,`0,`0.00,`0.00,`,`,`"苹果, 大",`,`0.60,`0.60%,`100.00,`0.00,`',
      '`2024-05-01 18:30:00,`wxd678efh567hg6787,`1900000109,`0,`,`4200000001202405010000000001,' +
        '`0193c0a8e4f07c2a8b9f5d3e1a2b3c4d,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`REFUND,`OTHERS,`CNY,' +
        '`0.00,`0.00,`50300000012024050100000001,`ref_0001,`25.00,`0.00,`ORIGINAL,`SUCCESS,`苹果,`,' +
        '`-0.15,`0.60%,`0.00,`25.00,`',
      '`2024-05-01 19:00:00,`wxd678efh567hg6787,`1900000109,`0,`,`4200000001202405010000000002,' +
        '`short_no,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`REVOKED,`OTHERS,`CNY,`0.00,`0.00,`0,`0,' +
        '`0.00,`0.00,`,`,`梨,`,`0.00,`0.60%,`0.01,`0.00,`',
      '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
      '`2,`100.00,`25.00,`0.00,`0.45000,`100.00,`25.00',
      '',
    ].join('\r\n');
    expect(parseWechatpayBill(text)).toEqual([
      {
        type: 'payment',
        orderId: 'ord_0193c0a8e4f07c2a8b9f5d3e1a2b3c4d',
        refundId: null,
        channelTradeNo: '4200000001202405010000000001',
        amount: 10000,
        currency: 'CNY',
        fee: 60,
        status: 'SUCCEEDED',
        occurredAt: Date.parse('2024-05-01T04:00:03Z'),
      },
      {
        type: 'refund',
        orderId: 'ord_0193c0a8e4f07c2a8b9f5d3e1a2b3c4d',
        refundId: 'ref_0001',
        channelTradeNo: '4200000001202405010000000001',
        amount: 2500,
        currency: 'CNY',
        fee: 15,
        status: 'SUCCEEDED',
        occurredAt: Date.parse('2024-05-01T10:30:00Z'),
      },
    ]);
  });

  it('refuses a file without the header row, and rows whose amounts cannot be read', () => {
    expect(() => parseWechatpayBill('总交易单数\n`0')).toThrow('header');
    const bad = [
      HEADER,
      '`2024-05-01 12:00:03,`wx,`1,`0,`,`42,`abc123,`o,`NATIVE,`SUCCESS,`OTHERS,`CNY,`1.234,`0,`0,`0,' +
        '`0,`0,`,`,`x,`,`0,`0%,`1.234,`0,`',
    ].join('\n');
    expect(() => parseWechatpayBill(bad)).toThrow('unreadable row for abc123');
  });
});

describe('out_trade_no', () => {
  it('fits our order ids into 32 characters and maps them back', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{32}$/), (hex) => {
        const orderId = `ord_${hex}`;
        const outTradeNo = outTradeNoOf(orderId);
        expect(outTradeNo.length).toBeLessThanOrEqual(32);
        expect(orderIdOf(outTradeNo)).toBe(orderId);
      }),
    );
    expect(outTradeNoOf('T20240501001')).toBe('T20240501001');
    expect(() => outTradeNoOf(`x${'0'.repeat(32)}`)).toThrow('too long');
  });
});
