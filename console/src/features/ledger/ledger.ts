/**
 * The ledger page's arithmetic: an entry's debit and credit totals (a journal entry balances
 * when they are equal), which entries may still be reversed or corrected, and what a movement
 * was worth. Integer minor units throughout; sums stay exact below 2^53, far above any amount
 * the API takes.
 */

import { toMinorUnits } from '../../shared/money';

export const ACCOUNT_TYPES = ['channel_receivable', 'merchant_payable', 'fee_income'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export interface EntryTotals {
  debit: number;
  credit: number;
  balanced: boolean;
}

/** The sums of an entry's debit and credit columns. */
export function entryTotals(lines: readonly { debit: number; credit: number }[]): EntryTotals {
  let debit = 0;
  let credit = 0;
  for (const l of lines) {
    debit += l.debit;
    credit += l.credit;
  }
  return { debit, credit, balanced: debit === credit };
}

/**
 * Whether the reverse and correct actions apply: a reversal cannot be undone, and an entry is
 * reversed at most once (as far as the entries loaded show; the API refuses the rest with 409).
 */
export function isAdjustable(
  entry: { kind: string; entry_id: string },
  reversed: ReadonlySet<string>,
): boolean {
  return entry.kind !== 'reversal' && !reversed.has(entry.entry_id);
}

/** The entries that a reversal (or a correction's reversal) among `entries` undoes. */
export function reversedIds(
  entries: readonly { kind: string; related_entry_id: string | null }[],
): Set<string> {
  return new Set(
    entries
      .filter((e) => e.kind === 'reversal' && e.related_entry_id)
      .map((e) => e.related_entry_id as string),
  );
}

/**
 * What an entry's movement was worth, to start the correction form from: the amount the
 * channel's receivable moved and the fee income's share (0 when it has no fee line).
 */
export function movementOf(
  lines: readonly { account_type: string; debit: number; credit: number }[],
): { amount: number; fee: number } {
  const moved = (type: string) =>
    Math.abs(
      lines.filter((l) => l.account_type === type).reduce((sum, l) => sum + l.debit - l.credit, 0),
    );
  return { amount: moved('channel_receivable'), fee: moved('fee_income') };
}

/**
 * A fee typed in major units as integer minor units: like an amount, except that zero is a fee
 * (a correction may take the fee away entirely).
 */
export function feeToMinorUnits(text: string, currency: string): number {
  const cleaned = text.trim().replace(/^[¥￥$€£]/, '');
  if (/^0+(\.0*)?$/.test(cleaned) || /^0*\.0+$/.test(cleaned)) return 0;
  return toMinorUnits(text, currency);
}
