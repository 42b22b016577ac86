import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { parse as parseCookies, serialize as cookie } from 'cookie';
import QRCode from 'qrcode';
import { ChannelGateway } from '../channels/channel-gateway';
import {
  CheckoutScene,
  ProviderError,
  Wallet,
  WalletProduct,
  WALLETS,
} from '../channels/providers/payment-provider.port';
import { RouteCandidate } from '../channels/routing/route.types';
import { toMajorUnits } from '../common/money/money';
import { AppConfig } from '../config/app-config';
import { OrderEntity } from '../payments/entities/order.entity';
import { CASHIER_CHANNEL } from '../payments/order-state';
import { PaymentError } from '../payments/payments.errors';
import { PaymentsService } from '../payments/payments.service';
import { renderMessage } from '../common/errors/messages';
import { cashierLanguage, walletName } from './cashier-i18n';
import { CashierLinks } from './cashier-links';
import {
  CodeView,
  OrderView,
  renderCheckout,
  renderCodePage,
  renderNoWallet,
  renderOutcome,
} from './cashier-pages';
import { CashierError } from './cashier.errors';
import { CashierStatusDto, CheckoutActionDto, StartWalletDto } from './dto/cashier.dto';
import { QrCodesService } from './qr-codes.service';
import { detectPayerPlace, sceneOf } from './wallet-detection';

/** What the cashier reads of the payer's request. */
export interface PayerRequest {
  userAgent: string | undefined;
  acceptLanguage: string | string[] | undefined;
  cookieHeader: string | undefined;
  ip: string;
}

/** A page, or where to send the browser, with the cookies to set. */
export interface CashierReply {
  status: number;
  html?: string;
  location?: string;
  cookies?: string[];
}

/** A wallet product a channel that routing allows for the order can serve. */
interface Offer {
  candidate: RouteCandidate;
  product: WalletProduct;
}

const PAID = new Set(['SUCCEEDED', 'PARTIALLY_REFUNDED', 'REFUNDED']);
const STATE_COOKIE = 'paygate_cashier_state';
const PAYER_COOKIE = 'paygate_cashier_payer';
/** How long the browser keeps the payer's wallet id for the next payment. */
const PAYER_COOKIE_SECONDS = 86_400;

/**
 * The hosted cashier (收银台): the page of a `channel=cashier` order, which offers the wallets
 * that routing allows for it (amount limits, merchant lists, circuits, daily limits), in the
 * form the payer's place needs: the wallet's own pay sheet inside its app (WeChat after OAuth
 * to the payer's openid), a QR per wallet on a computer, a link to the wallet's page in a phone
 * browser. Each wallet started is an attempt on the order (PaymentsService.startCheckout).
 */
@Injectable()
export class CashierService {
  constructor(
    private readonly payments: PaymentsService,
    private readonly channels: ChannelGateway,
    private readonly links: CashierLinks,
    private readonly codes: QrCodesService,
    private readonly config: AppConfig,
  ) {}

  /** The order's page; `returned`: the wallet's page sent the payer back here. */
  async orderPage(token: string, payer: PayerRequest, returned = false): Promise<CashierReply> {
    const order = await this.orderOf(token);
    const language = cashierLanguage(payer.acceptLanguage);
    const view = this.view(order, token);
    if (PAID.has(order.status)) {
      return { status: 200, html: renderOutcome(language, view, 'paid') };
    }
    if (order.status !== 'PENDING') {
      return { status: 200, html: renderOutcome(language, view, 'closed') };
    }
    if (Date.now() >= order.expiresAt) throw CashierError.linkExpired();
    const place = detectPayerPlace(payer.userAgent);
    const offers = await this.offers(order);
    if (place.kind === 'in_wallet') {
      const mine = offersFor(offers, place.wallet, 'in_wallet');
      if (mine.length === 0) {
        const others = walletsOf(offers, ['in_wallet', 'qr', 'mobile_web']).filter(
          (w) => w !== 'sandbox',
        );
        return { status: 200, html: renderNoWallet(language, view, place.wallet, others) };
      }
      const needsPayer = mine[0].product.payerId;
      if (needsPayer && !this.payerId(payer, needsPayer.scope)) {
        return this.authorizePayer(order, token, mine[0].candidate);
      }
      // back from the wallet's page, the payer waits for the result instead of starting again
      return {
        status: 200,
        html: renderCheckout(language, view, {
          kind: 'in_wallet',
          wallet: place.wallet,
          start: !returned,
        }),
      };
    }
    const scene = sceneOf(place);
    const wallets = walletsOf(offers, [scene]);
    if (wallets.length === 0) {
      // nothing for this place: the wallets that work when this page is opened in their app
      const inApp = walletsOf(offers, ['in_wallet']);
      return { status: 200, html: renderNoWallet(language, view, null, inApp) };
    }
    const mode = scene === 'qr' ? ('qr' as const) : ('links' as const);
    return { status: 200, html: renderCheckout(language, view, { kind: mode, wallets }) };
  }

  /** Starts (or shows again) the payer's payment with the wallet they chose. */
  async pay(token: string, dto: StartWalletDto, payer: PayerRequest): Promise<CheckoutActionDto> {
    const order = await this.orderOf(token);
    if (order.status !== 'PENDING') throw PaymentError.invalidState('order', order.status);
    if (Date.now() >= order.expiresAt) throw CashierError.linkExpired();
    const wallet = dto.wallet as Wallet;
    const place = detectPayerPlace(payer.userAgent);
    const scene = sceneOf(place);
    const language = cashierLanguage(payer.acceptLanguage);
    const usable = (await this.offers(order)).filter(
      (o) =>
        o.product.wallet === wallet &&
        o.product.scenes.includes(scene) &&
        (place.kind !== 'in_wallet' || place.wallet === wallet),
    );
    if (usable.length === 0) throw CashierError.walletUnavailable(walletName(wallet, language));
    const product = usable[0].product;
    // a channel holds one trade per order (its out_trade_no is the order id): one that made
    // a trade of another product for it cannot make this one
    const trades = (await this.payments.attemptsOf(order.orderId)).filter(
      (a) => a.event === 'succeeded',
    );
    const taken = new Set(
      trades.filter((a) => a.product !== product.product).map((a) => a.channelId),
    );
    const candidates = usable
      .filter((o) => o.product.product === product.product && !taken.has(o.candidate.channelId))
      .map((o) => o.candidate);
    if (candidates.length === 0) {
      throw CashierError.startedElsewhere(walletName(wallet, language));
    }
    const pageUrl = this.links.orderUrl(order.orderId, order.expiresAt);
    let openid: string | undefined;
    if (product.payerId) {
      openid = this.payerId(payer, product.payerId.scope);
      // the page goes through the wallet's OAuth first
      if (!openid) return action(wallet, 'redirect', { url: pageUrl });
    } else {
      // what an earlier attempt gave the payer here is shown again: a reload makes no trade
      const ids = new Set(candidates.map((c) => c.channelId));
      const shown = trades
        .filter((a) => a.product === product.product && a.payUrl && ids.has(a.channelId))
        .pop();
      if (shown?.payUrl) return this.actionFor(wallet, scene, shown.payUrl);
    }
    let started;
    try {
      started = await this.payments.startCheckout(order, candidates, {
        product: product.product,
        payer: { openid, clientIp: payer.ip },
        returnUrl: `${pageUrl}?returned=1`,
      });
    } catch (error) {
      if (error instanceof ProviderError) throw PaymentError.channelUnavailable();
      throw error;
    }
    if (!started) throw PaymentError.channelUnavailable();
    const { created } = started;
    if (created.walletParams) {
      return action(wallet, 'wallet_sheet', { wallet_params: created.walletParams });
    }
    if (!created.payUrl) throw PaymentError.channelUnavailable();
    return this.actionFor(wallet, scene, created.payUrl);
  }

  async status(token: string): Promise<CashierStatusDto> {
    const order = await this.orderOf(token);
    const paid = PAID.has(order.status);
    return {
      order_id: order.orderId,
      status: order.status,
      paid,
      return_url: paid ? order.returnUrl : null,
    };
  }

  /** The cashier page as a QR code (PNG or SVG): what a merchant shows for any wallet to scan. */
  async orderQr(token: string, format: 'png' | 'svg'): Promise<Buffer | string> {
    const order = await this.orderOf(token);
    return qrImage(this.links.orderUrl(order.orderId, order.expiresAt), format);
  }

  /**
   * The wallet's OAuth came back: the `state` must be the one this browser was given for this
   * order and channel (its nonce is in the browser's cookie), else 403. The payer's id is kept
   * in a signed cookie for the pay request, and the browser goes back to the order's page.
   */
  async oauthReturn(
    token: string,
    channelCode: string,
    query: { code?: string; state?: string },
    payer: PayerRequest,
  ): Promise<CashierReply> {
    const order = await this.orderOf(token);
    const nonce = parseCookies(payer.cookieHeader ?? '')[STATE_COOKIE];
    const expected = nonce ? this.links.sign(`${nonce}|${order.orderId}|${channelCode}`) : '';
    const state = query.state ?? '';
    if (
      !nonce ||
      state.length !== expected.length ||
      !timingSafeEqual(Buffer.from(state), Buffer.from(expected))
    ) {
      throw CashierError.oauthStateInvalid();
    }
    const offer = (await this.offers(order)).find(
      (o) => o.candidate.code === channelCode && o.product.payerId,
    );
    if (!offer || !query.code) {
      const language = cashierLanguage(payer.acceptLanguage);
      throw CashierError.walletUnavailable(walletName(offer?.product.wallet ?? 'wechat', language));
    }
    let openid: string;
    try {
      openid = await this.channels.resolvePayer(offer.candidate.channelId, query.code);
    } catch (error) {
      if (error instanceof ProviderError) throw PaymentError.channelUnavailable();
      throw error;
    }
    const scope = offer.product.payerId!.scope;
    return {
      status: 303,
      location: `/cashier/${token}`,
      cookies: [
        this.cookie(STATE_COOKIE, '', 0),
        this.cookie(
          PAYER_COOKIE,
          `${scope}.${openid}.${this.links.sign(`${scope}|${openid}`)}`,
          PAYER_COOKIE_SECONDS,
        ),
      ],
    };
  }

  async codePage(codeToken: string, payer: PayerRequest): Promise<CashierReply> {
    const code = await this.codes.payable(codeToken);
    const language = cashierLanguage(payer.acceptLanguage);
    return { status: 200, html: renderCodePage(language, this.codeView(code, codeToken)) };
  }

  /**
   * The payer continues from a static code: a new order for what they typed, then its page.
   * A refused amount shows the form again with why.
   */
  async codeSubmit(
    codeToken: string,
    typed: string | undefined,
    payer: PayerRequest,
  ): Promise<CashierReply> {
    const language = cashierLanguage(payer.acceptLanguage);
    try {
      const order = await this.codes.orderFromCode(codeToken, typed);
      return { status: 303, location: `/cashier/${this.token(order)}` };
    } catch (error) {
      if (
        error instanceof CashierError &&
        (error.reason === 'invalid_payer_amount' || error.reason === 'amount_out_of_range')
      ) {
        const code = await this.codes.payable(codeToken);
        const message = renderMessage(error.reason, error.params, language);
        return {
          status: 400,
          html: renderCodePage(language, this.codeView(code, codeToken), message, typed ?? ''),
        };
      }
      throw error;
    }
  }

  async codeQr(codeToken: string, format: 'png' | 'svg'): Promise<Buffer | string> {
    const code = await this.codes.payable(codeToken);
    return qrImage(this.codes.codeUrl(code), format);
  }

  /** The cashier order a token is bound to: 404 for anything that is not one of our links. */
  private async orderOf(token: string): Promise<OrderEntity> {
    const link = this.links.verify(token);
    const order = link ? await this.payments.findOrder(link.orderId) : null;
    if (!order || order.requestedChannel !== CASHIER_CHANNEL) throw CashierError.linkNotFound();
    return order;
  }

  /** Every wallet product of every channel routing allows for the order now. */
  private async offers(order: OrderEntity): Promise<Offer[]> {
    const decision = await this.channels.route({
      amount: order.amount,
      currency: order.currency,
      sourceId: order.sourceId,
    });
    return decision.candidates.flatMap((candidate) =>
      this.channels.walletProducts(candidate.channelId).map((product) => ({ candidate, product })),
    );
  }

  private async actionFor(
    wallet: Wallet,
    scene: CheckoutScene,
    payUrl: string,
  ): Promise<CheckoutActionDto> {
    if (scene !== 'qr') return action(wallet, 'redirect', { url: payUrl });
    const image = await QRCode.toDataURL(payUrl, { errorCorrectionLevel: 'M', margin: 2 });
    return action(wallet, 'qr', { qr_code: payUrl, qr_image: image });
  }

  /** Sends the payer through the wallet's OAuth, with a state bound to this browser. */
  private authorizePayer(
    order: OrderEntity,
    token: string,
    candidate: RouteCandidate,
  ): CashierReply {
    const nonce = randomBytes(16).toString('base64url');
    const state = this.links.sign(`${nonce}|${order.orderId}|${candidate.code}`);
    const redirectUri = `${this.config.publicBaseUrl}/cashier/${token}/oauth/${candidate.code}`;
    return {
      status: 302,
      location: this.channels.payerAuthorizationUrl(candidate.channelId, redirectUri, state),
      cookies: [this.cookie(STATE_COOKIE, nonce, 600)],
    };
  }

  /** The payer's wallet id for `scope` from the signed cookie the OAuth return set. */
  private payerId(payer: PayerRequest, scope: string): string | undefined {
    const value = parseCookies(payer.cookieHeader ?? '')[PAYER_COOKIE];
    if (!value) return undefined;
    const [cookieScope, openid, mac] = value.split('.');
    if (cookieScope !== scope || !openid || !mac) return undefined;
    const expected = this.links.sign(`${scope}|${openid}`);
    if (mac.length !== expected.length) return undefined;
    return timingSafeEqual(Buffer.from(mac), Buffer.from(expected)) ? openid : undefined;
  }

  private cookie(name: string, value: string, maxAge: number): string {
    return cookie(name, value, {
      httpOnly: true,
      // the wallet's OAuth comes back as a top-level navigation from its own site
      sameSite: 'lax',
      secure: this.config.publicBaseUrl.startsWith('https:'),
      path: '/cashier',
      maxAge,
    });
  }

  private token(order: OrderEntity): string {
    return this.links.orderToken(order.orderId, order.expiresAt);
  }

  private view(order: OrderEntity, token: string): OrderView {
    return {
      token,
      orderId: order.orderId,
      productName: order.productName,
      amountText: amountText(order.amount, order.currency),
      expiresAt: order.expiresAt,
      returnUrl: order.returnUrl,
    };
  }

  private codeView(code: Awaited<ReturnType<QrCodesService['payable']>>, token: string): CodeView {
    return {
      token,
      name: code.name,
      productName: code.productName,
      currency: code.currency,
      fixedAmountText: code.amount === null ? null : amountText(code.amount, code.currency),
    };
  }
}

function offersFor(offers: Offer[], wallet: Wallet, scene: CheckoutScene): Offer[] {
  return offers.filter((o) => o.product.wallet === wallet && o.product.scenes.includes(scene));
}

/** The wallets offered in these scenes, each once, always in the same order on the page. */
function walletsOf(offers: Offer[], scenes: CheckoutScene[]): Wallet[] {
  const offered = new Set(
    offers
      .filter((o) => o.product.scenes.some((s) => scenes.includes(s)))
      .map((o) => o.product.wallet),
  );
  return WALLETS.filter((wallet) => offered.has(wallet));
}

function action(
  wallet: Wallet,
  type: CheckoutActionDto['type'],
  fields: Partial<CheckoutActionDto>,
): CheckoutActionDto {
  return {
    wallet,
    type,
    url: null,
    qr_code: null,
    qr_image: null,
    wallet_params: null,
    ...fields,
  };
}

function amountText(amount: number, currency: string): string {
  const major = toMajorUnits(amount, currency);
  return currency === 'CNY' ? `¥${major}` : `${major} ${currency}`;
}

async function qrImage(content: string, format: 'png' | 'svg'): Promise<Buffer | string> {
  const options = { errorCorrectionLevel: 'M' as const, margin: 2 };
  return format === 'png'
    ? QRCode.toBuffer(content, { ...options, type: 'png', width: 320 })
    : QRCode.toString(content, { ...options, type: 'svg' });
}
