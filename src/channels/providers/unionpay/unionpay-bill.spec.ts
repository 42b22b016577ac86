import { deflateSync } from 'node:zlib';
import AdmZip from 'adm-zip';
import iconv from 'iconv-lite';
import {
  monthDayTime,
  parseZmLine,
  statementLines,
  unpackFileContent,
  zmRecords,
} from './unionpay-bill';

/** Widths of the ZM file's 42 fields (文件接口规范, ZM 文件), written out here independently. */
const WIDTHS = [
  3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32, 1, 21, 15,
  1, 15, 32, 13, 13, 8, 32, 13, 13, 12, 2, 1, 32, 98,
];

/** One GBK line: each value padded with spaces to its width in bytes, one space between. */
function zmLine(values: Record<number, string>): Buffer {
  const cells = WIDTHS.map((width, i) => {
    const bytes = iconv.encode(values[i] ?? '', 'gbk');
    return Buffer.concat([bytes, Buffer.alloc(width - bytes.length, 0x20)]);
  });
  return Buffer.concat(cells.flatMap((cell, i) => (i === 0 ? [cell] : [Buffer.from(' '), cell])));
}

const PAYMENT = zmLine({
  0: 'S22',
  3: '123456',
  4: '1126100502',
  6: '000000001000',
  9: '202411261005021234567',
  11: '0193a1f2c3d47e5f8a9b0c1d2e3f4a5b',
  15: 'D000000000006',
  16: 'C000000001000',
  19: '01',
  20: '01',
  21: '000201',
  27: '777290058110097',
  30: '测试商户（北京）', // GBK: 2 bytes a character, so byte widths matter after it
  32: 'C000000000994',
});
const REFUND = zmLine({
  0: 'S31',
  3: '123457',
  4: '1126153000',
  6: '000000000250',
  9: '202411261530001234568',
  11: '0193a1f2d0000000000000000000beef',
  15: 'C000000000002',
  16: 'D000000000250',
  19: '04',
  20: '00',
  21: '000201',
  26: '202411261005021234567',
  27: '777290058110097',
  30: '测试商户（北京）',
});
const VOID_OF_EARLIER_DAY = zmLine({
  0: 'S30',
  3: '123458',
  4: '1126160000',
  6: '000000000700',
  9: '202411261600001234569',
  11: '0193a1f2d0000000000000000000cafe',
  19: '31',
  20: '00',
  26: '202411250900001234000',
  27: '777290058110097',
});

describe('the UnionPay ZM statement', () => {
  it('reads fixed-width GBK fields by bytes, Chinese text included', () => {
    const record = parseZmLine(PAYMENT)!;
    expect(record).toMatchObject({
      tradeCode: 'S22',
      traceTime: '1126100502',
      txnAmt: '000000001000',
      queryId: '202411261005021234567',
      orderId: '0193a1f2c3d47e5f8a9b0c1d2e3f4a5b',
      merFee: 'D000000000006',
      txnType: '01',
      bizType: '000201',
      merId: '777290058110097',
      subMerAbbr: '测试商户（北京）',
      settleNetAmt: 'C000000000994',
    });
    expect(parseZmLine(PAYMENT.subarray(0, 100))).toBeNull();
  });

  it('gives payments by order id and refunds and voids by refund id, with fees and Beijing times', () => {
    const records = [PAYMENT, REFUND, VOID_OF_EARLIER_DAY].map((l) => parseZmLine(l)!);
    expect(statementLines(records, '2024-11-26')).toEqual([
      {
        type: 'payment',
        orderId: 'ord_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b',
        refundId: null,
        channelTradeNo: '202411261005021234567',
        amount: 1000,
        currency: 'CNY',
        fee: 6,
        status: 'SUCCEEDED',
        occurredAt: Date.parse('2024-11-26T10:05:02+08:00'),
      },
      {
        type: 'refund',
        orderId: 'ord_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b', // through origQryId
        refundId: 're_0193a1f2d0000000000000000000beef',
        channelTradeNo: '202411261530001234568',
        amount: 250,
        currency: 'CNY',
        fee: 2,
        status: 'SUCCEEDED',
        occurredAt: Date.parse('2024-11-26T15:30:00+08:00'),
      },
      expect.objectContaining({
        type: 'refund',
        orderId: '', // its payment is on another day's statement
        refundId: 're_0193a1f2d0000000000000000000cafe',
        amount: 700,
        fee: null,
      }),
    ]);
  });

  it('refuses a record whose amount or time cannot be read', () => {
    const bad = parseZmLine(PAYMENT)!;
    expect(() => statementLines([{ ...bad, txnAmt: '0000000010.0' }], '2024-11-26')).toThrow(
      /unreadable ZM record/,
    );
    expect(() => statementLines([{ ...bad, traceTime: '1332100502' }], '2024-11-26')).toThrow();
  });

  it('unpacks fileContent (base64 of deflated ZIP) and reads only this merchant’s ZM of that day', () => {
    const zip = new AdmZip();
    zip.addFile(
      'INN24112688ZM_777290058110097',
      Buffer.concat([PAYMENT, Buffer.from('\r\n'), REFUND, Buffer.from('\r\n')]),
    );
    zip.addFile('INN24112688ZME_777290058110097', Buffer.alloc(0));
    zip.addFile('INN24112601ACOMN', Buffer.from('summary'));
    const fileContent = deflateSync(zip.toBuffer()).toString('base64');
    const records = zmRecords(unpackFileContent(fileContent), '777290058110097', '241126');
    expect(records.map((r) => r.txnType)).toEqual(['01', '04']);
    expect(() => zmRecords(unpackFileContent(fileContent), '777290058110097', '241127')).toThrow(
      /holds no INN24112788ZM_777290058110097/,
    );
    expect(() => unpackFileContent('bm90IGRlZmxhdGVk')).toThrow(/does not inflate/);
  });

  it('puts MMDDhhmmss in the year nearest the settlement date, across New Year', () => {
    expect(monthDayTime('1231235900', '2025-01-01')).toBe(Date.parse('2024-12-31T23:59:00+08:00'));
    expect(monthDayTime('0101000100', '2024-12-31')).toBe(Date.parse('2025-01-01T00:01:00+08:00'));
    expect(monthDayTime('0230120000', '2024-03-01')).toBeNull();
  });
});
