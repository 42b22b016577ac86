import { billCsv, billCsvLines } from './bill-csv';
import { linesInBatches } from './bills.service';
import { BillLineEntity } from './entities/bill-line.entity';
import { BillEntity } from './entities/bill.entity';

const bill = { billId: 'bill_20261126_1_JPY', currency: 'JPY' } as BillEntity;

function line(over: Partial<BillLineEntity>): BillLineEntity {
  return {
    billId: bill.billId,
    lineNo: 1,
    entryId: 'je_1',
    type: 'payment',
    orderId: 'ord_1',
    refundId: null,
    merchantOrderNo: null,
    channelCode: 'sandbox_main',
    amount: 1000,
    fee: 7,
    net: 993,
    occurredAt: Date.parse('2026-11-26T01:02:03.004Z'),
    ...over,
  };
}

describe('bill CSV', () => {
  it('has a header row and one row per line, amounts in minor units and as decimals', () => {
    const csv = billCsv(bill, [
      line({}),
      line({ lineNo: 2, type: 'refund', refundId: 're_1', amount: -500, fee: -3, net: -497 }),
    ]);
    expect(csv.split('\r\n')).toEqual([
      'line_no,type,order_id,refund_id,merchant_order_no,channel,occurred_at,currency,amount,fee,net,amount_decimal,fee_decimal,net_decimal',
      '1,payment,ord_1,,,sandbox_main,2026-11-26T01:02:03.004Z,JPY,1000,7,993,1000,7,993',
      '2,refund,ord_1,re_1,,sandbox_main,2026-11-26T01:02:03.004Z,JPY,-500,-3,-497,-500,-3,-497',
      '',
    ]);
    expect(
      billCsv({ ...bill, currency: 'CNY' }, [line({ amount: -5, fee: 0, net: -5 })]),
    ).toContain(',CNY,-5,0,-5,-0.05,0.00,-0.05\r\n');
  });

  it("quotes a merchant's text and keeps it from being read as a formula", () => {
    const row = (merchantOrderNo: string) =>
      billCsv(bill, [line({ merchantOrderNo })])
        .split('\r\n')[1]
        .split(',ord_1,,')[1];
    expect(row('SO-1')).toMatch(/^SO-1,/);
    expect(row('a,b')).toMatch(/^"a,b",/);
    expect(row('say "hi"')).toMatch(/^"say ""hi""",/);
    expect(row('=HYPERLINK("x")')).toMatch(/^"'=HYPERLINK\(""x""\)",/);
    expect(row('-1+2')).toMatch(/^"'-1\+2",/);
    expect(row('@SUM')).toMatch(/^"'@SUM",/);
    // a spreadsheet that splits on semicolons would start a cell after the ;
    expect(row('SO;=1+1')).toMatch(/^"SO;'=1\+1",/);
    expect(row('SO|@cmd')).toMatch(/^"SO\|'@cmd",/);
  });

  it('writes its own numbers, negative ones included, as numbers', () => {
    const csv = billCsv({ ...bill, currency: 'CNY' }, [
      line({ type: 'refund', amount: -500, fee: -3, net: -497 }),
    ]);
    expect(csv.split('\r\n')[1]).toMatch(/,CNY,-500,-3,-497,-5\.00,-0\.03,-4\.97$/);
  });

  it('streams the same document from keyset batches, across batch boundaries', async () => {
    const all = Array.from({ length: 7 }, (_, i) =>
      line({ lineNo: i + 1, entryId: `je_${i + 1}`, amount: 100 + i }),
    );
    const reads: number[] = [];
    const read = async (after: number, limit: number) => {
      reads.push(after);
      return all.filter((l) => l.lineNo > after).slice(0, limit + 1);
    };
    let streamed = '';
    for await (const text of billCsvLines(bill, linesInBatches(read, 3))) streamed += text;
    expect(streamed).toBe(billCsv(bill, all));
    expect(reads).toEqual([0, 3, 6]);
  });
});
