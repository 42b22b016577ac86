import { admission, CircuitRow, CLOSED_CIRCUIT } from '../health/circuit-breaker';
import { ExclusionReason, RouteCandidate, RouteDecision, RouteRequest } from './route.types';

/** What the router needs to know of a live channel. */
export interface ChannelSnapshot {
  channelId: string;
  code: string;
  provider: string;
  enabled: boolean;
  priority: number;
  weight: number;
  feeRateBps: number;
  fixedFee: number;
  minAmount: number | null;
  maxAmount: number | null;
  /** Per currency and settlement date; null: no limit. */
  dailyLimit: number | null;
  currencies: readonly string[];
  /** Merchant source_ids allowed; empty: every merchant. */
  merchants: readonly number[];
}

export interface RouterInput {
  request: RouteRequest;
  /** Every live channel. */
  channels: readonly ChannelSnapshot[];
  /** Circuit rows by channel id; a channel without one is closed. */
  health: ReadonlyMap<string, CircuitRow>;
  /** Today's routed amount by `volumeKey(channelId, currency)`; missing means 0. */
  volumes: ReadonlyMap<string, number>;
  now: number;
  /** Uniform in [0, 1): Math.random in service, seeded in tests. */
  random: () => number;
}

export function volumeKey(channelId: string, currency: string): string {
  return `${channelId}:${currency}`;
}

/**
 * Routing as a pure function. Candidates are the channels that pass every rule, highest
 * priority group first and, inside a group, in weighted random order (each next one drawn
 * among those left, with chance proportional to its weight). Every other live channel is
 * listed as excluded with the first rule it fails.
 */
export function routeOrder(input: RouterInput): RouteDecision {
  const channels = [...input.channels].sort(
    (a, b) => b.priority - a.priority || a.code.localeCompare(b.code),
  );
  const eligible: ChannelSnapshot[] = [];
  const excluded: RouteDecision['excluded'] = [];
  for (const channel of channels) {
    const reason = exclusionOf(channel, input);
    if (reason) excluded.push({ code: channel.code, reason });
    else eligible.push(channel);
  }
  const candidates: RouteCandidate[] = [];
  for (const group of priorityGroups(eligible)) {
    const total = group.reduce((sum, c) => sum + c.weight, 0);
    for (const channel of weightedOrder(group, input.random)) {
      candidates.push(toCandidate(channel, Math.round((channel.weight / total) * 1e4) / 1e4));
    }
  }
  return { candidates, excluded };
}

function exclusionOf(channel: ChannelSnapshot, input: RouterInput): ExclusionReason | null {
  const { request } = input;
  if (request.channelCode !== undefined && request.channelCode !== channel.code)
    return 'not_requested';
  if (!channel.enabled) return 'disabled';
  if (!channel.currencies.includes(request.currency)) return 'currency';
  if (
    (channel.minAmount !== null && request.amount < channel.minAmount) ||
    (channel.maxAmount !== null && request.amount > channel.maxAmount)
  )
    return 'amount_range';
  if (channel.merchants.length > 0 && !channel.merchants.includes(request.sourceId))
    return 'merchant';
  if (channel.dailyLimit !== null) {
    const used = input.volumes.get(volumeKey(channel.channelId, request.currency)) ?? 0;
    if (used + request.amount > channel.dailyLimit) return 'daily_limit';
  }
  const circuit = input.health.get(channel.channelId) ?? CLOSED_CIRCUIT;
  if (admission(circuit, input.now) === 'refuse') return 'circuit_open';
  return null;
}

/** Channels already sorted by priority, cut into groups of equal priority. */
function priorityGroups(sorted: ChannelSnapshot[]): ChannelSnapshot[][] {
  const groups: ChannelSnapshot[][] = [];
  for (const channel of sorted) {
    const last = groups[groups.length - 1];
    if (last && last[0].priority === channel.priority) last.push(channel);
    else groups.push([channel]);
  }
  return groups;
}

function weightedOrder(group: ChannelSnapshot[], random: () => number): ChannelSnapshot[] {
  const left = [...group];
  const order: ChannelSnapshot[] = [];
  while (left.length > 0) {
    let point = random() * left.reduce((sum, c) => sum + c.weight, 0);
    let index = 0;
    while (index < left.length - 1 && point >= left[index].weight) {
      point -= left[index].weight;
      index++;
    }
    order.push(left.splice(index, 1)[0]);
  }
  return order;
}

function toCandidate(channel: ChannelSnapshot, probability: number): RouteCandidate {
  return {
    channelId: channel.channelId,
    code: channel.code,
    provider: channel.provider,
    priority: channel.priority,
    weight: channel.weight,
    probability,
    feeRateBps: channel.feeRateBps,
    fixedFee: channel.fixedFee,
    dailyLimit: channel.dailyLimit,
  };
}
