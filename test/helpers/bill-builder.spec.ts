import fc from 'fast-check';
import { billIdOf, buildBills, EntryFigures } from './bill-builder';

const run = { runId: 'clr_1', status: 'final' as const, generatedAt: 1 };

function entry(over: Partial<EntryFigures>): EntryFigures {
  return {
    entryId: 'je_1',
    kind: 'payment',
    movement: 'payment',
    orderId: 'ord_1',
    refundId: null,
    merchantOrderNo: null,
    sourceId: 1000001,
    channelCode: 'sandbox_main',
    currency: 'CNY',
    createdAt: 100,
    amount: 1000,
    fee: 7,
    net: 993,
    ...over,
  };
}

const arbitraryEntry = fc
  .record({
    entryId: fc.uuid(),
    kind: fc.constantFrom(
      'payment' as const,
      'refund' as const,
      'reversal' as const,
      'correction' as const,
    ),
    movement: fc.constantFrom('payment' as const, 'refund' as const),
    sourceId: fc.integer({ min: 1, max: 3 }),
    currency: fc.constantFrom('CNY', 'USD'),
    createdAt: fc.integer({ min: 0, max: 1000 }),
    amount: fc.integer({ min: 1, max: 1_000_000 }),
    fee: fc.integer({ min: 0, max: 1000 }),
  })
  .map((e) => {
    // what the lines of a balanced entry say: money out is negative, and net = amount − fee
    const sign = e.movement === 'refund' || e.kind === 'reversal' ? -1 : 1;
    return entry({
      ...e,
      amount: sign * e.amount,
      fee: sign * e.fee,
      net: sign * (e.amount - e.fee),
    });
  });

describe('bills from journal entries', () => {
  it('gives one bill per merchant and currency with its lines in recording order', () => {
    const { bills, lines } = buildBills(
      '2026-11-26',
      [
        entry({
          entryId: 'je_3',
          kind: 'refund',
          movement: 'refund',
          createdAt: 300,
          amount: -250,
          fee: -2,
          net: -248,
        }),
        entry({ entryId: 'je_1', createdAt: 100 }),
        entry({ entryId: 'je_2', currency: 'USD', createdAt: 200 }),
      ],
      run,
    );
    expect(
      bills.map((b) => [
        b.billId,
        b.paymentCount,
        b.paymentAmount,
        b.refundCount,
        b.refundAmount,
        b.feeAmount,
        b.netAmount,
      ]),
    ).toEqual([
      ['bill_20261126_1000001_CNY', 1, 1000, 1, 250, 5, 745],
      ['bill_20261126_1000001_USD', 1, 1000, 0, 0, 7, 993],
    ]);
    expect(lines.map((l) => [l.billId.slice(-3), l.lineNo, l.entryId])).toEqual([
      ['CNY', 1, 'je_1'],
      ['CNY', 2, 'je_3'],
      ['USD', 1, 'je_2'],
    ]);
    expect(billIdOf(1000001, '2026-11-26', 'CNY')).toBe('bill_20261126_1000001_CNY');
  });

  it('keeps net = payment − refund − fee, puts each entry on one line, and ignores input order', () => {
    fc.assert(
      fc.property(fc.array(arbitraryEntry, { maxLength: 30 }), fc.integer(), (entries, seed) => {
        const { bills, lines } = buildBills('2026-11-26', entries, run);
        for (const b of bills)
          expect(b.netAmount).toBe(b.paymentAmount - b.refundAmount - b.feeAmount);
        expect(lines.map((l) => l.entryId).sort()).toEqual(entries.map((e) => e.entryId).sort());
        const sum = (f: (e: EntryFigures) => number) => entries.reduce((a, e) => a + f(e), 0);
        expect(bills.reduce((a, b) => a + b.netAmount, 0)).toBe(sum((e) => e.net));
        // the same entries in another order: the same bills
        const shuffled = [...entries].sort(
          (a, b) => ((a.createdAt * 31 + seed) % 7) - ((b.createdAt * 31 + seed) % 7),
        );
        expect(buildBills('2026-11-26', shuffled, run)).toEqual({ bills, lines });
      }),
    );
  });
});
