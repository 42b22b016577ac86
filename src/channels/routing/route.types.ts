/** What payments asks the router for one order. */
export interface RouteRequest {
  amount: number;
  currency: string;
  sourceId: number;
  /** The merchant forced one channel (`channel` on the order); it must still pass its rules. */
  channelCode?: string;
}

export type ExclusionReason =
  | 'disabled'
  | 'currency'
  | 'amount_range'
  | 'merchant'
  | 'daily_limit'
  | 'circuit_open'
  /** Another channel was forced by the order's `channel` field. */
  | 'not_requested';

export interface RouteCandidate {
  channelId: string;
  code: string;
  provider: string;
  priority: number;
  weight: number;
  /** Chance of being tried first within its priority group (weight / group's total weight). */
  probability: number;
  feeRateBps: number;
  fixedFee: number;
  /** null: no daily limit. */
  dailyLimit: number | null;
}

/**
 * Every live channel, either as a candidate (in the order they would be tried: highest
 * priority group first, weighted random order inside a group) or excluded with its reason.
 */
export interface RouteDecision {
  candidates: RouteCandidate[];
  excluded: { code: string; reason: ExclusionReason }[];
}
