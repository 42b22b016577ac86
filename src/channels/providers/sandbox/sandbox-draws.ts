import { Injectable } from '@nestjs/common';
import { ChannelContext } from '../payment-provider.port';
import { sandboxConfigOf } from './sandbox-config';
import { seededFraction } from './sandbox-signing';

export type DrawPurpose = 'create_error' | 'notify_drop' | 'notify_duplicate';

/**
 * The sandbox's dice. With a `seed` in the channel's config, the n-th draw for a purpose is
 * HMAC-SHA256(seed, "<code>:<purpose>:<n>"), so a test sees the same faults each run; without
 * one, draws are random.
 */
@Injectable()
export class SandboxDraws {
  private readonly counters = new Map<string, number>();

  next(channel: ChannelContext, purpose: DrawPurpose): number {
    const { seed } = sandboxConfigOf(channel.config);
    if (seed === undefined) return Math.random();
    const key = `${channel.channelId}:${String(seed)}:${purpose}`;
    const n = this.counters.get(key) ?? 0;
    this.counters.set(key, n + 1);
    return seededFraction(seed, `${channel.code}:${purpose}:${n}`);
  }
}
