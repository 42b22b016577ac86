import fc from 'fast-check';
import { assertBalanced, movementLines, reversedLines, UnbalancedEntryError } from './journal';

const figures = { channelId: 'ch_1', sourceId: 1000001, currency: 'CNY' };

describe('journal entries', () => {
  it('posts a payment as receivable = payable + fee income', () => {
    expect(movementLines('payment', { ...figures, amount: 1000, fee: 7 })).toEqual([
      {
        account: 'channel:ch_1:receivable',
        accountType: 'channel_receivable',
        currency: 'CNY',
        debit: 1000,
        credit: 0,
      },
      {
        account: 'merchant:1000001:payable',
        accountType: 'merchant_payable',
        currency: 'CNY',
        debit: 0,
        credit: 993,
      },
      { account: 'fee_income', accountType: 'fee_income', currency: 'CNY', debit: 0, credit: 7 },
    ]);
  });

  it('posts a refund as the mirror of its share, and leaves out zero lines', () => {
    expect(movementLines('refund', { ...figures, amount: 250, fee: 0 })).toEqual([
      expect.objectContaining({ account: 'channel:ch_1:receivable', debit: 0, credit: 250 }),
      expect.objectContaining({ account: 'merchant:1000001:payable', debit: 250, credit: 0 }),
    ]);
  });

  it('writes a fee above the amount on the other side of the payable', () => {
    // a fixed fee of 100 on a payment of 50: the merchant owes 50
    expect(movementLines('payment', { ...figures, amount: 50, fee: 100 })).toEqual([
      expect.objectContaining({ accountType: 'channel_receivable', debit: 50, credit: 0 }),
      expect.objectContaining({ accountType: 'merchant_payable', debit: 50, credit: 0 }),
      expect.objectContaining({ accountType: 'fee_income', debit: 0, credit: 100 }),
    ]);
  });

  it('balances every movement and its reversal, whatever the figures', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('payment' as const, 'refund' as const),
        fc.integer({ min: 1, max: 1_000_000_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (movement, amount, fee) => {
          const lines = movementLines(movement, { ...figures, amount, fee });
          assertBalanced(lines);
          assertBalanced(reversedLines(lines));
          for (const l of lines) expect(l.debit === 0 || l.credit === 0).toBe(true);
        },
      ),
    );
  });

  it('refuses an entry that does not balance per currency, or has no lines', () => {
    const line = {
      account: 'fee_income',
      accountType: 'fee_income' as const,
      currency: 'CNY',
      debit: 1,
      credit: 0,
    };
    expect(() => assertBalanced([line])).toThrow(UnbalancedEntryError);
    expect(() => assertBalanced([line, { ...line, currency: 'USD', debit: 0, credit: 1 }])).toThrow(
      /differ by 1 CNY/,
    );
    expect(() => assertBalanced([])).toThrow(UnbalancedEntryError);
    expect(() =>
      assertBalanced([
        { ...line, debit: 0.5 },
        { ...line, debit: 0, credit: 0.5 },
      ]),
    ).toThrow(UnbalancedEntryError);
  });
});
