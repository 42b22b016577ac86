import { entryTotals, feeToMinorUnits, isAdjustable, movementOf, reversedIds } from './ledger';

describe('ledger page arithmetic', () => {
  it('says whether an entry balances', () => {
    const payment = [
      { debit: 11234, credit: 0 },
      { debit: 0, credit: 11167 },
      { debit: 0, credit: 67 },
    ];
    expect(entryTotals(payment)).toEqual({ debit: 11234, credit: 11234, balanced: true });
    expect(
      entryTotals([
        { debit: 100, credit: 0 },
        { debit: 0, credit: 99 },
      ]).balanced,
    ).toBe(false);
    expect(entryTotals([])).toEqual({ debit: 0, credit: 0, balanced: true });
  });

  it('offers reverse and correct only for entries not a reversal and not seen reversed', () => {
    const entries = [
      { entry_id: 'je_1', kind: 'payment', related_entry_id: null },
      { entry_id: 'je_2', kind: 'reversal', related_entry_id: 'je_1' },
      { entry_id: 'je_3', kind: 'correction', related_entry_id: 'je_1' },
      { entry_id: 'je_4', kind: 'refund', related_entry_id: null },
    ];
    const reversed = reversedIds(entries);
    expect([...reversed]).toEqual(['je_1']);
    expect(entries.filter((e) => isAdjustable(e, reversed)).map((e) => e.entry_id)).toEqual([
      'je_3',
      'je_4',
    ]);
  });

  it('reads the amount and fee of a payment and of a refund from their lines', () => {
    expect(
      movementOf([
        { account_type: 'channel_receivable', debit: 1234, credit: 0 },
        { account_type: 'merchant_payable', debit: 0, credit: 1227 },
        { account_type: 'fee_income', debit: 0, credit: 7 },
      ]),
    ).toEqual({ amount: 1234, fee: 7 });
    expect(
      movementOf([
        { account_type: 'channel_receivable', debit: 0, credit: 500 },
        { account_type: 'merchant_payable', debit: 500, credit: 0 },
      ]),
    ).toEqual({ amount: 500, fee: 0 });
  });

  it('takes a fee of zero, and any other fee as exact minor units', () => {
    expect(feeToMinorUnits('0', 'CNY')).toBe(0);
    expect(feeToMinorUnits(' 0.00 ', 'CNY')).toBe(0);
    expect(feeToMinorUnits('0.07', 'CNY')).toBe(7);
    expect(feeToMinorUnits('12', 'JPY')).toBe(12);
    expect(() => feeToMinorUnits('0.001', 'CNY')).toThrow('too_many_decimals');
    expect(() => feeToMinorUnits('-1', 'CNY')).toThrow('not_positive');
    expect(() => feeToMinorUnits('', 'CNY')).toThrow('empty');
  });
});
