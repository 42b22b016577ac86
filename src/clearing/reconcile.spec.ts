import { StatementLine } from '../channels/providers/payment-provider.port';
import { PaymentExceptionEntity } from '../payments/entities/payment-exception.entity';
import { GatewayMovement, reconcile } from './reconcile';

function payment(orderId: string, over: Partial<GatewayMovement> = {}): GatewayMovement {
  return {
    type: 'payment',
    orderId,
    refundId: null,
    channelTradeNo: `T-${orderId}`,
    channelCode: 'alipay_main',
    amount: 1000,
    currency: 'CNY',
    fee: 6,
    status: 'SUCCEEDED',
    succeeded: true,
    ...over,
  };
}

function refund(
  orderId: string,
  refundId: string,
  over: Partial<GatewayMovement> = {},
): GatewayMovement {
  return { ...payment(orderId), type: 'refund', refundId, amount: 250, fee: 2, ...over };
}

function line(g: GatewayMovement, over: Partial<StatementLine> = {}): StatementLine {
  return {
    type: g.type,
    orderId: g.orderId,
    refundId: g.refundId,
    channelTradeNo: g.channelTradeNo,
    amount: g.amount,
    currency: g.currency,
    fee: g.fee,
    status: 'SUCCEEDED',
    occurredAt: 0,
    ...over,
  };
}

function exception(over: Partial<PaymentExceptionEntity>): PaymentExceptionEntity {
  return {
    id: 'exc_1',
    kind: 'amount_mismatch',
    channelId: 'ch_1',
    orderId: 'ord_x',
    refundId: null,
    channelTradeNo: 'T-x',
    expectedAmount: 1000,
    reportedAmount: 1,
    expectedCurrency: 'CNY',
    reportedCurrency: 'CNY',
    reportedStatus: 'SUCCEEDED',
    settlementDate: '2026-11-26',
    createdAt: 0,
    ...over,
  };
}

const base = { channelCode: 'alipay_main', otherGatewayRecords: [], exceptions: [] };

describe('reconciliation', () => {
  it('matches lines that agree in status, amount, currency and fee', () => {
    const movements = [payment('ord_1'), refund('ord_1', 're_1')];
    expect(
      reconcile({ ...base, statement: movements.map((g) => line(g)), gatewayMovements: movements }),
    ).toEqual({ matchedCount: 2, discrepancies: [] });
  });

  it('finds each kind of discrepancy once', () => {
    const ok = payment('ord_ok');
    const short = payment('ord_amount');
    const fee = payment('ord_fee');
    const onlyOurs = refund('ord_ok', 're_ours');
    const otherCurrency = refund('ord_fee', 're_currency');
    const result = reconcile({
      ...base,
      statement: [
        line(ok),
        line(short, { amount: 990 }),
        line(fee, { fee: 7 }),
        line(otherCurrency, { currency: 'USD' }),
        line(payment('ord_ghost')),
        line(payment('ord_pending')),
        line(payment('ord_dup')),
        line(payment('ord_dup')),
      ],
      gatewayMovements: [ok, short, fee, onlyOurs, otherCurrency, payment('ord_dup')],
      otherGatewayRecords: [payment('ord_pending', { status: 'PENDING', succeeded: false })],
    });
    expect(result.matchedCount).toBe(2); // ord_ok and the first ord_dup
    expect(result.discrepancies.map((d) => [d.type, d.order_id, d.refund_id])).toEqual([
      ['missing_in_gateway', 'ord_dup', null],
      ['missing_in_gateway', 'ord_ghost', null],
      ['missing_in_channel', 'ord_ok', 're_ours'],
      ['amount_mismatch', 'ord_amount', null],
      ['amount_mismatch', 'ord_fee', 're_currency'],
      ['status_mismatch', 'ord_pending', null],
      ['fee_mismatch', 'ord_fee', null],
    ]);
    expect(result.discrepancies.find((d) => d.type === 'fee_mismatch')).toMatchObject({
      source: 'statement',
      gateway_amount: 1000,
      channel_amount: 1000,
      gateway_fee: 6,
      channel_fee: 7,
    });
    expect(result.discrepancies.find((d) => d.order_id === 'ord_pending')).toMatchObject({
      gateway_status: 'PENDING',
      channel_status: 'SUCCEEDED',
    });
  });

  it('names the order of a refund line that does not (UnionPay, for an earlier payment)', () => {
    const g = refund('ord_1', 're_1');
    const result = reconcile({
      ...base,
      statement: [
        line(g, { orderId: '', amount: 249 }),
        line(refund('', 're_ghost'), { orderId: '' }),
      ],
      gatewayMovements: [g],
    });
    expect(result.discrepancies.map((d) => [d.type, d.order_id, d.refund_id])).toEqual([
      ['missing_in_gateway', null, 're_ghost'],
      ['amount_mismatch', 'ord_1', 're_1'],
    ]);
  });

  it('does not compare fees when the statement carries none', () => {
    const g = payment('ord_1');
    expect(
      reconcile({ ...base, statement: [line(g, { fee: null })], gatewayMovements: [g] })
        .matchedCount,
    ).toBe(1);
  });

  it('matches a movement the gateway recorded on the next day, and ignores other channels', () => {
    const late = payment('ord_late');
    const elsewhere = payment('ord_elsewhere', { channelCode: 'wechat_main' });
    const result = reconcile({
      ...base,
      statement: [line(late), line(elsewhere)],
      gatewayMovements: [],
      otherGatewayRecords: [late, elsewhere],
    });
    expect(result.matchedCount).toBe(1);
    expect(result.discrepancies.map((d) => [d.type, d.order_id])).toEqual([
      ['missing_in_gateway', 'ord_elsewhere'],
    ]);
  });

  it('reports a line the channel marks failed for a movement the gateway has as succeeded', () => {
    const g = payment('ord_1');
    const result = reconcile({
      ...base,
      statement: [line(g, { status: 'CLOSED' })],
      gatewayMovements: [g],
    });
    expect(result.discrepancies.map((d) => d.type)).toEqual(['status_mismatch']);
  });

  it('adds the notifications payments kept as exceptions, unless the statement said the same', () => {
    const g = payment('ord_1');
    const result = reconcile({
      ...base,
      statement: [line(g)],
      gatewayMovements: [g],
      exceptions: [
        exception({ orderId: 'ord_1', reportedAmount: 1 }),
        exception({
          id: 'exc_2',
          kind: 'currency_mismatch',
          orderId: 'ord_2',
          reportedAmount: 1000,
          reportedCurrency: 'USD',
        }),
        exception({
          id: 'exc_3',
          kind: 'unknown_order',
          orderId: 'ord_3',
          expectedAmount: null,
          expectedCurrency: null,
        }),
        exception({
          id: 'exc_4',
          kind: 'unknown_order',
          orderId: 'ord_4',
          reportedStatus: 'FAILED',
        }),
      ],
    });
    expect(result.matchedCount).toBe(1);
    expect(
      result.discrepancies.map((d) => [
        d.type,
        d.source,
        d.order_id,
        d.gateway_amount,
        d.channel_amount,
        d.channel_currency,
      ]),
    ).toEqual([
      ['missing_in_gateway', 'notification', 'ord_3', null, 1, 'CNY'],
      ['amount_mismatch', 'notification', 'ord_1', 1000, 1, 'CNY'],
      ['amount_mismatch', 'notification', 'ord_2', 1000, 1000, 'USD'],
    ]);
    const both = reconcile({
      ...base,
      statement: [line(payment('ord_3'))],
      gatewayMovements: [],
      exceptions: [exception({ kind: 'unknown_order', orderId: 'ord_3' })],
    });
    expect(both.discrepancies.map((d) => [d.type, d.source])).toEqual([
      ['missing_in_gateway', 'statement'],
    ]);
  });
});
