import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { newId } from '../../../common/ids';
import { ChannelContext } from '../payment-provider.port';
import { sandboxConfigOf } from './sandbox-config';
import { SandboxDraws } from './sandbox-draws';
import { SIGNATURE_HEADER, signNotification, TIMESTAMP_HEADER } from './sandbox-signing';

/** The body of a sandbox notification, as a provider would send it. */
export interface SandboxNotice {
  type: 'payment' | 'refund';
  order_id: string;
  refund_id?: string;
  trade_no: string;
  status: 'SUCCEEDED' | 'FAILED';
  amount: number;
  currency: string;
  /** ISO 8601 time of the payment or refund. */
  occurred_at: string;
}

/** Waits before each retry when the gateway does not answer 2xx `success`. */
const RETRY_DELAYS_MS = [1000, 2000, 4000];
const SEND_TIMEOUT_MS = 10_000;

/**
 * Sends the sandbox's notifications to the gateway (PUBLIC_BASE_URL/v1/notify/{code}) over
 * HTTP, as a real provider does: after `notify_delay_ms`, possibly dropped or sent twice
 * (`notify_drop_rate`, `notify_duplicate_rate`), retried a few times, freshly signed each
 * time. Fire and forget: nothing here ever throws into a request or the process.
 */
@Injectable()
export class SandboxNotifier implements OnModuleDestroy {
  private readonly logger = new Logger(SandboxNotifier.name);
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private stopped = false;

  constructor(private readonly draws: SandboxDraws) {}

  notify(channel: ChannelContext, notice: SandboxNotice): void {
    const config = sandboxConfigOf(channel.config);
    this.later(config.notify_delay_ms, () => {
      if (this.draws.next(channel, 'notify_drop') < config.notify_drop_rate) {
        this.logger.debug({ channel: channel.code, order_id: notice.order_id }, 'notice dropped');
        return;
      }
      const duplicate = this.draws.next(channel, 'notify_duplicate') < config.notify_duplicate_rate;
      const body = JSON.stringify({ id: newId('sbn'), ...notice });
      this.send(channel, body, 0);
      if (duplicate) this.send(channel, body, 0);
    });
  }

  onModuleDestroy(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const controller of this.inFlight) controller.abort();
  }

  private later(delayMs: number, work: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) work();
    }, delayMs);
    this.timers.add(timer);
  }

  private send(channel: ChannelContext, body: string, attempt: number): void {
    void this.post(channel, body).then((delivered) => {
      if (delivered || this.stopped) return;
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) {
        this.logger.warn({ channel: channel.code }, 'sandbox notice not accepted; giving up');
        return;
      }
      this.later(delay, () => this.send(channel, body, attempt + 1));
    });
  }

  /** One attempt: true when the gateway answered 2xx with the body `success`. */
  private async post(channel: ChannelContext, body: string): Promise<boolean> {
    const { secret } = sandboxConfigOf(channel.config);
    const timestamp = Math.floor(Date.now() / 1000);
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), SEND_TIMEOUT_MS);
    this.inFlight.add(controller);
    try {
      const response = await fetch(channel.notifyUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signNotification(secret, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: controller.signal,
      });
      const text = await response.text();
      return response.ok && text.trim() === 'success';
    } catch (error) {
      this.logger.debug({ channel: channel.code, err: String(error) }, 'sandbox notice failed');
      return false;
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
  }
}
