import { fromMajorUnits } from '../../../common/money/money';
import { parseBeijingTime } from '../china-time';
import { StatementLine } from '../payment-provider.port';
import { splitCsv } from '../statement-csv';
import { orderIdOf } from './wechatpay-ids';

/**
 * WeChat Pay's trade bill (`/v3/bill/tradebill`, bill_type ALL): a UTF-8 CSV whose header row is
 * followed by one row per payment (交易状态 SUCCESS) or refund (REFUND), every cell prefixed
 * with a backtick so that spreadsheets keep long numbers as text, then a summary block
 * (总交易单数,…) that is not a movement. Amounts are yuan. Columns are found by name.
 */
export function parseWechatpayBill(text: string): StatementLine[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerAt = lines.findIndex((line) => splitCsv(line)[0] === '交易时间');
  if (headerAt < 0) throw new Error('the WeChat Pay bill has no header row');
  const header = splitCsv(lines[headerAt]);
  const column = (name: string) => header.indexOf(name);
  const at = {
    time: column('交易时间'),
    transactionId: column('微信订单号'),
    outTradeNo: column('商户订单号'),
    state: column('交易状态'),
    currency: column('货币种类'),
    settled: column('应结订单金额'),
    orderAmount: column('订单金额'),
    outRefundNo: column('商户退款单号'),
    refundAmount: column('退款金额'),
    requestedRefund: column('申请退款金额'),
    refundState: column('退款状态'),
    fee: column('手续费'),
  };
  if (at.time < 0 || at.outTradeNo < 0 || at.state < 0 || at.settled < 0) {
    throw new Error('the WeChat Pay bill lacks 交易时间, 商户订单号, 交易状态 or 应结订单金额');
  }
  const out: StatementLine[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    if (line.trim() === '') continue;
    const cells = splitCsv(line).map((cell) => cell.replace(/^`/, ''));
    if (cells[0] === '总交易单数') break; // the summary block
    const cell = (index: number) => (index >= 0 ? (cells[index] ?? '') : '');
    const state = cell(at.state);
    if (state !== 'SUCCESS' && state !== 'REFUND') continue;
    const occurredAt = parseBeijingTime(cell(at.time));
    const currency = cell(at.currency) || 'CNY';
    const fee = yuan(cell(at.fee), currency);
    const base = {
      orderId: orderIdOf(cell(at.outTradeNo)),
      channelTradeNo: cell(at.transactionId) || null,
      currency,
      fee: fee === null ? null : Math.abs(fee),
    };
    if (state === 'SUCCESS') {
      const amount = yuan(cell(at.orderAmount), currency) ?? yuan(cell(at.settled), currency);
      if (amount === null || occurredAt === null) throw unreadable(cell(at.outTradeNo));
      out.push({
        ...base,
        type: 'payment',
        refundId: null,
        amount,
        status: 'SUCCEEDED',
        occurredAt,
      });
      continue;
    }
    const amount =
      yuan(cell(at.refundAmount), currency) ?? yuan(cell(at.requestedRefund), currency);
    if (amount === null || occurredAt === null) throw unreadable(cell(at.outTradeNo));
    out.push({
      ...base,
      type: 'refund',
      refundId: cell(at.outRefundNo) || null,
      amount: Math.abs(amount),
      status: refundStatus(cell(at.refundState)),
      occurredAt,
    });
  }
  return out;
}

function refundStatus(state: string): StatementLine['status'] {
  if (state === 'SUCCESS') return 'SUCCEEDED';
  if (state === 'PROCESSING' || state === '') return 'PENDING';
  return 'FAILED';
}

function yuan(text: string, currency: string): number | null {
  if (text === '') return null;
  try {
    return fromMajorUnits(text, currency);
  } catch {
    return null;
  }
}

function unreadable(outTradeNo: string): Error {
  return new Error(`the WeChat Pay bill has an unreadable row for ${outTradeNo}`);
}
