import { Injectable } from '@nestjs/common';
import Negotiator from 'negotiator';
import { AppError, FieldError } from '../../../common/errors/app-error';
import { RawBody } from '../../../common/http/envelope';
import { iso } from '../../../common/time';
import { Database } from '../../../database/database.service';
import { ChannelRuntime, RuntimeChannel } from '../../channel-runtime.service';
import {
  PayLinkFieldsDto,
  PayLinkQueryDto,
  SandboxPayDto,
  SandboxPayResultDto,
} from './dto/sandbox.dto';
import { sandboxConfigOf } from './sandbox-config';
import { SandboxNotifier } from './sandbox-notifier';
import { renderPayPage, renderResultPage } from './sandbox-page';
import { SandboxRepository } from './sandbox.repository';
import { PayLink, tradeNo, verifyPayLink } from './sandbox-signing';

const HTML = 'text/html; charset=utf-8';

/** The payer's side of the sandbox: the pay page and the Pay / Fail decision. */
@Injectable()
export class SandboxPayService {
  constructor(
    private readonly db: Database,
    private readonly repository: SandboxRepository,
    private readonly notifier: SandboxNotifier,
    private readonly runtime: ChannelRuntime,
  ) {}

  async payPage(orderId: string, query: PayLinkQueryDto): Promise<string> {
    const { link } = await this.verify(orderId, query);
    const existing = await this.db.run((em) => this.repository.findPayment(em, orderId));
    return renderPayPage(link, query.sig, existing?.status ?? null);
  }

  /**
   * Records the payer's outcome (the first one wins; the same one again is answered the
   * same) and schedules the notification. A browser's form post gets an HTML page back.
   */
  async pay(
    orderId: string,
    query: PayLinkFieldsDto,
    body: SandboxPayDto,
    accept: string | undefined,
  ): Promise<SandboxPayResultDto | RawBody> {
    const fields = {
      channel: body.channel ?? query.channel,
      amount: body.amount ?? query.amount,
      currency: body.currency ?? query.currency,
      expires: body.expires ?? query.expires,
      sig: body.sig ?? query.sig,
    };
    const { channel, link } = await this.verify(orderId, fields);
    const { secret } = sandboxConfigOf(channel.context.config);
    const status = body.outcome === 'success' ? 'SUCCEEDED' : 'FAILED';
    const now = Date.now();
    const trade = tradeNo(secret, orderId);
    const existing = await this.db.run(async (em) => {
      const inserted = await this.repository.insertOutcome(em, {
        orderId,
        channelId: channel.row.id,
        tradeNo: trade,
        status,
        amount: link.amount,
        currency: link.currency,
        refundedAmount: 0,
        createdAt: now,
        paidAt: status === 'SUCCEEDED' ? now : null,
      });
      return inserted ? null : this.repository.findPayment(em, orderId);
    });
    if (existing && (existing.status !== status || existing.channelId !== channel.row.id)) {
      throw new AppError('invalid_state', { resource: 'sandbox payment', state: existing.status });
    }
    if (!existing) {
      this.notifier.notify(channel.context, {
        type: 'payment',
        order_id: orderId,
        trade_no: trade,
        status,
        amount: link.amount,
        currency: link.currency,
        occurred_at: iso(now),
      });
    }
    const result: SandboxPayResultDto = { order_id: orderId, outcome: body.outcome, status };
    const preferred = new Negotiator({ headers: { accept: accept ?? '*/*' } }).mediaType([
      'application/json',
      'text/html',
    ]);
    return preferred === 'text/html'
      ? new RawBody(HTML, renderResultPage(orderId, status))
      : result;
  }

  /** The sandbox channel whose secret signed this link; 401 if none, 400 once expired. */
  private async verify(
    orderId: string,
    fields: Partial<PayLinkQueryDto>,
  ): Promise<{ channel: RuntimeChannel; link: PayLink }> {
    const missing = (['channel', 'amount', 'currency', 'expires', 'sig'] as const)
      .filter((f) => fields[f] === undefined)
      .map((f): FieldError => ({ field: f, message: `${f} is required (from pay_url)` }));
    if (missing.length > 0) throw AppError.validation(missing);
    const { channel: code, amount, currency, expires, sig } = fields as PayLinkQueryDto;
    const link: PayLink = { orderId, channel: code, amount, currency, expires };
    for await (const channel of this.runtime.channelsOfCode(code)) {
      if (channel.adapter.name !== 'sandbox') continue;
      if (!verifyPayLink(sandboxConfigOf(channel.context.config).secret, link, sig)) continue;
      if (Date.now() > expires) throw new AppError('payment_link_expired');
      return { channel, link };
    }
    throw new AppError('invalid_signature');
  }
}
