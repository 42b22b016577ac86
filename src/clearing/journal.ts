/**
 * The chart of accounts and the shape of every journal entry, as pure functions. Accounts are
 * per currency (the line carries it): what a channel owes the gateway (receivable), what the
 * gateway owes a merchant (payable), and the fees (fee income).
 */

export type AccountType = 'channel_receivable' | 'merchant_payable' | 'fee_income';

export const ACCOUNT_TYPES: readonly AccountType[] = [
  'channel_receivable',
  'merchant_payable',
  'fee_income',
];

export type EntryKind = 'payment' | 'refund' | 'reversal' | 'correction';

/** Which way money moved for the merchant: a payment in, or a refund out. */
export type Movement = 'payment' | 'refund';

export interface Account {
  account: string;
  type: AccountType;
}

export const account = {
  channelReceivable: (channelId: string): Account => ({
    account: `channel:${channelId}:receivable`,
    type: 'channel_receivable',
  }),
  merchantPayable: (sourceId: number): Account => ({
    account: `merchant:${sourceId}:payable`,
    type: 'merchant_payable',
  }),
  feeIncome: (): Account => ({ account: 'fee_income', type: 'fee_income' }),
};

/** The account a name belongs to, for filters: `merchant:1000001:payable` → merchant_payable. */
export function accountTypeOf(name: string): AccountType | null {
  if (/^channel:[^:]+:receivable$/.test(name)) return 'channel_receivable';
  if (/^merchant:\d+:payable$/.test(name)) return 'merchant_payable';
  if (name === 'fee_income') return 'fee_income';
  return null;
}

export interface LineDraft {
  account: string;
  accountType: AccountType;
  currency: string;
  debit: number;
  credit: number;
}

/** What a movement is worth: the amount the channel moved and the channel fee on it. */
export interface MovementFigures {
  channelId: string;
  sourceId: number;
  currency: string;
  amount: number;
  fee: number;
}

/**
 * The lines of a movement. A payment: debit the channel's receivable by the amount, credit the
 * merchant's payable by amount − fee and fee income by the fee. A refund is the same with every
 * side swapped. A side whose value is negative (a fixed fee above a tiny amount) is written on
 * the other column, and zero-valued lines are left out, so every line is a real movement.
 */
export function movementLines(movement: Movement, figures: MovementFigures): LineDraft[] {
  const sign = movement === 'payment' ? 1 : -1;
  const { currency } = figures;
  // signed values, debit positive
  const drafts: [Account, number][] = [
    [account.channelReceivable(figures.channelId), sign * figures.amount],
    [account.merchantPayable(figures.sourceId), -sign * (figures.amount - figures.fee)],
    [account.feeIncome(), -sign * figures.fee],
  ];
  return drafts
    .filter(([, value]) => value !== 0)
    .map(([a, value]) => ({
      account: a.account,
      accountType: a.type,
      currency,
      debit: value > 0 ? value : 0,
      credit: value < 0 ? -value : 0,
    }));
}

/** The mirror of an entry's lines: what undoes it exactly. */
export function reversedLines(lines: readonly LineDraft[]): LineDraft[] {
  return lines.map((l) => ({ ...l, debit: l.credit, credit: l.debit }));
}

/** Thrown before anything is written when an entry would not balance. A bug, never user input. */
export class UnbalancedEntryError extends Error {
  constructor(detail: string) {
    super(`unbalanced journal entry: ${detail}`);
    this.name = 'UnbalancedEntryError';
  }
}

/** Debits equal credits in every currency, and every line is a non-negative safe integer. */
export function assertBalanced(lines: readonly LineDraft[]): void {
  if (lines.length === 0) throw new UnbalancedEntryError('no lines');
  const totals = new Map<string, number>();
  for (const line of lines) {
    for (const value of [line.debit, line.credit]) {
      if (!Number.isSafeInteger(value) || value < 0)
        throw new UnbalancedEntryError(`${line.account} has the value ${value}`);
    }
    totals.set(line.currency, (totals.get(line.currency) ?? 0) + line.debit - line.credit);
  }
  for (const [currency, difference] of totals) {
    if (difference !== 0)
      throw new UnbalancedEntryError(`debits and credits differ by ${difference} ${currency}`);
  }
}
