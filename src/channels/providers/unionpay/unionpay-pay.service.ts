import { Injectable } from '@nestjs/common';
import { AppError } from '../../../common/errors/app-error';
import { ChannelRuntime } from '../../channel-runtime.service';
import { UnionpayPayLinkQueryDto } from './dto/unionpay-pay.dto';
import { unionpayConfigOf } from './unionpay-config';
import { renderAutoSubmitPage, UnionpayPayLink, verifyPayLink } from './unionpay-pay-link';
import { UnionpayProvider } from './unionpay.provider';

/**
 * The payer's side of the gateway product: the page behind `pay_url` signs the ACP form for
 * the order and has the payer's browser post it to UnionPay, and the page UnionPay sends the
 * payer back to. Neither changes anything: only a verified back notification, confirmed by a
 * query, moves money.
 */
@Injectable()
export class UnionpayPayService {
  constructor(private readonly runtime: ChannelRuntime) {}

  /** 401 `invalid_signature` for a link no UnionPay channel of that code signed; 400 once expired. */
  async payPage(
    orderId: string,
    query: UnionpayPayLinkQueryDto,
    userAgent: string | undefined,
  ): Promise<{ html: string; formAction: string }> {
    const link: UnionpayPayLink = {
      orderId,
      channel: query.channel,
      amount: query.amount,
      expires: query.expires,
    };
    for await (const channel of this.runtime.channelsOfCode(query.channel)) {
      const adapter = channel.adapter;
      if (!(adapter instanceof UnionpayProvider)) continue;
      if (unionpayConfigOf(channel.context.config).product !== 'gateway') continue;
      if (!verifyPayLink(adapter.payLinkKey(channel.context), link, query.sig)) continue;
      if (Date.now() > query.expires) throw new AppError('payment_link_expired');
      const form = adapter.gatewayForm(channel.context, link, userAgent);
      const html = renderAutoSubmitPage({
        action: form.action,
        fields: form.fields,
        title: '银联在线支付 UnionPay',
        note: '正在前往银联支付页面… Taking you to UnionPay to pay.',
        button: '前往银联支付 Continue to UnionPay',
      });
      return { html, formAction: formTargets(form.action) };
    }
    throw new AppError('invalid_signature');
  }
}

/**
 * Where the page may post: the channel's gateway and, for UnionPay's own hosts, the other
 * 95516.com hosts its gateway hands the payer on to (browsers apply form-action to redirects).
 */
function formTargets(action: string): string {
  const origin = new URL(action).origin;
  return /^https:\/\/([a-z0-9-]+\.)*95516\.com$/.test(origin)
    ? `${origin} https://*.95516.com`
    : origin;
}
