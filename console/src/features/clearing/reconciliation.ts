/** Every kind of discrepancy the reconciliation API reports, in the order the page lists them. */
export const DISCREPANCY_TYPES = [
  'missing_in_gateway',
  'missing_in_channel',
  'amount_mismatch',
  'status_mismatch',
  'fee_mismatch',
] as const;
export type DiscrepancyType = (typeof DISCREPANCY_TYPES)[number];

/** Matched lines against the discrepancies by kind, as the result's chart draws them. */
export function reconciliationCounts(result: {
  matched_count: number;
  discrepancies: { type: string }[];
}): { matched: number; discrepancies: number; byType: Record<DiscrepancyType, number> } {
  const byType = Object.fromEntries(DISCREPANCY_TYPES.map((type) => [type, 0])) as Record<
    DiscrepancyType,
    number
  >;
  for (const d of result.discrepancies) {
    if (d.type in byType) byType[d.type as DiscrepancyType] += 1;
  }
  return { matched: result.matched_count, discrepancies: result.discrepancies.length, byType };
}
