import AdmZip from 'adm-zip';
import iconv from 'iconv-lite';
import { fromMajorUnits } from '../../../common/money/money';
import { parseBeijingTime } from '../china-time';
import { StatementLine } from '../payment-provider.port';
import { splitCsv } from '../statement-csv';

/**
 * Alipay's trade bill (bill_type `trade`): a zip holding two GBK-encoded CSV files, the
 * details (`…_业务明细.csv`) and a summary (`…_业务明细(汇总).csv`). The details file has `#`
 * comment lines around one header row and the data rows; values carry trailing tabs (so that
 * spreadsheets keep long numbers as text). Columns are found by their header names, since
 * Alipay has added columns over the years.
 */
export function parseAlipayBillZip(zip: Buffer): StatementLine[] {
  let entries: AdmZip.IZipEntry[];
  try {
    entries = new AdmZip(zip).getEntries();
  } catch {
    throw new Error('the Alipay bill is not a zip file');
  }
  for (const entry of entries) {
    if (entry.isDirectory) continue;
    const text = iconv.decode(entry.getData(), 'gbk');
    if (findHeader(text.split(/\r?\n/)) >= 0) return parseAlipayBillCsv(text);
  }
  throw new Error('the Alipay bill holds no details file');
}

/** The movements of the details CSV (already decoded from GBK). */
export function parseAlipayBillCsv(text: string): StatementLine[] {
  const lines = text.split(/\r?\n/);
  const headerAt = findHeader(lines);
  if (headerAt < 0) throw new Error('the Alipay bill has no header row');
  const header = splitCsv(lines[headerAt]);
  const column = (prefix: string) => header.findIndex((name) => name.startsWith(prefix));
  const at = {
    tradeNo: column('支付宝交易号'),
    orderId: column('商户订单号'),
    type: column('业务类型'),
    createdAt: column('创建时间'),
    completedAt: column('完成时间'),
    orderAmount: column('订单金额'),
    received: column('商家实收'),
    refundNo: column('退款批次号'),
    fee: column('服务费'),
  };
  if (at.orderId < 0 || at.type < 0 || at.orderAmount < 0) {
    throw new Error('the Alipay bill lacks 商户订单号, 业务类型 or 订单金额');
  }
  const out: StatementLine[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const cells = splitCsv(line);
    const cell = (index: number) => (index >= 0 ? (cells[index] ?? '') : '');
    const kind = cell(at.type);
    if (kind !== '交易' && kind !== '退款') continue;
    const orderAmount = yuan(cell(at.orderAmount));
    const occurredAt =
      parseBeijingTime(cell(at.completedAt)) ?? parseBeijingTime(cell(at.createdAt));
    if (orderAmount === null || occurredAt === null) {
      throw new Error(`the Alipay bill has an unreadable row for ${cell(at.orderId)}`);
    }
    // a refund row's 订单金额 is the refunded amount when negative; otherwise 商家实收 carries it
    const amount =
      kind === '退款' && orderAmount >= 0
        ? Math.abs(yuan(cell(at.received)) ?? orderAmount)
        : Math.abs(orderAmount);
    const fee = yuan(cell(at.fee));
    out.push({
      type: kind === '交易' ? 'payment' : 'refund',
      orderId: cell(at.orderId),
      refundId: kind === '退款' ? cell(at.refundNo) || null : null,
      channelTradeNo: cell(at.tradeNo) || null,
      amount,
      currency: 'CNY',
      fee: fee === null ? null : Math.abs(fee),
      status: 'SUCCEEDED',
      occurredAt,
    });
  }
  return out;
}

function findHeader(lines: string[]): number {
  return lines.findIndex((line) => {
    const cells = splitCsv(line);
    return cells[0] === '支付宝交易号' && cells.includes('业务类型');
  });
}

/** Yuan text (possibly negative, possibly empty) → fen, exactly. */
function yuan(text: string): number | null {
  if (text === '') return null;
  try {
    return fromMajorUnits(text, 'CNY');
  } catch {
    return null;
  }
}
