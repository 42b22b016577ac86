/**
 * The provider port: the only way the gateway talks to a payment channel. Every provider
 * (sandbox, alipay, wechatpay, unionpay) follows the same life cycle — create → the payer pays →
 * asynchronous notification → query / close / refund → daily statement — and an adapter maps
 * its own protocol (signatures, encryption, yuan strings, status names) onto these types.
 *
 * Amounts are integer minor units on both sides of the port; an adapter whose provider speaks
 * yuan converts with `common/money` (never with floats). Adapters never touch the gateway's
 * database: they are called outside transactions, and whatever they return is recorded by
 * the caller.
 */
import { FieldError } from '../../common/errors/app-error';
import type { ProviderConfigField } from './provider-config';

/** What an adapter knows about the channel it serves. */
export interface ChannelContext {
  /** Internal id of the channel row (stable across a code being deleted and re-added). */
  channelId: string;
  code: string;
  /** The channel's provider settings, secrets decrypted. Never log this object. */
  config: Record<string, unknown>;
  /** Where the provider must send asynchronous notifications: PUBLIC_BASE_URL/v1/notify/{code}. */
  notifyUrl: string;
  /** PUBLIC_BASE_URL, for adapters that serve pages of this server (the sandbox). */
  publicBaseUrl: string;
}

export interface CreatePaymentRequest {
  /** Our order id; providers know it as out_trade_no. */
  orderId: string;
  amount: number;
  currency: string;
  /** product_name. */
  subject: string;
  productId: string;
  /** memo, if any. */
  description: string | null;
  /** Epoch ms after which the provider should refuse to take the payment. */
  expiresAt: number;
  /**
   * Set when the hosted cashier starts the payment for a wallet the payer chose: the product
   * to use (one of the adapter's `walletProducts`) instead of the channel's own, and what the
   * cashier knows of the payer. Absent for API orders.
   */
  checkout?: CheckoutRequest;
}

/** The wallets the hosted cashier offers; an adapter says which it serves (`walletProducts`). */
export const WALLETS = ['wechat', 'alipay', 'unionpay', 'sandbox'] as const;
export type Wallet = (typeof WALLETS)[number];

/**
 * Where the payer is when paying: inside the wallet's own app browser (`in_wallet`), on a
 * screen the wallet app scans (`qr`), or in a phone browser outside any wallet
 * (`mobile_web`, a link that hands over to the wallet app).
 */
export type CheckoutScene = 'in_wallet' | 'qr' | 'mobile_web';

/** One way a channel can take a payment for a wallet, as its adapter declares it. */
export interface WalletProduct {
  wallet: Wallet;
  /** The adapter's own product name (`jsapi`, `native`, `wap`, `precreate`, `qr`…). */
  product: string;
  scenes: readonly CheckoutScene[];
  /**
   * The payer's id in the wallet that must be known first (WeChat JSAPI: the openid for the
   * channel's appid, from the wallet's OAuth); `scope` names whose id it is (the appid).
   */
  payerId?: { kind: 'openid'; scope: string };
}

export interface CheckoutRequest {
  product: string;
  /** The payer's wallet id (when the product needs one) and IP address, as the cashier saw it. */
  payer: { openid?: string; clientIp?: string };
  /** Where the provider sends the payer back after paying (the cashier page). */
  returnUrl: string;
}

export interface CreatePaymentResult {
  /** The provider's trade number, when it assigns one at creation. */
  channelTradeNo: string | null;
  /** Where the payer completes the payment (a URL, or QR code content). */
  payUrl: string | null;
  /**
   * For products paid inside the wallet's app through its JavaScript bridge: the signed
   * parameters the cashier page hands to it (WeChat's getBrandWCPayRequest).
   */
  walletParams?: Record<string, string>;
}

/** A payment as the provider sees it. NOT_FOUND: the provider has no such trade (yet). */
export type ProviderPaymentStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'CLOSED' | 'NOT_FOUND';

export interface PaymentStatusReport {
  status: ProviderPaymentStatus;
  channelTradeNo: string | null;
  /** What the provider says was paid, in minor units; null if it does not say. */
  amount: number | null;
  currency: string | null;
  /** Epoch ms of the payment, when SUCCEEDED. */
  paidAt: number | null;
}

export interface RefundRequest {
  orderId: string;
  /** Our refund id; providers know it as out_request_no / out_refund_no. */
  refundId: string;
  channelTradeNo: string | null;
  amount: number;
  /** The order's amount (WeChat Pay and UnionPay need it). */
  orderAmount: number;
  currency: string;
  reason: string | null;
}

export type ProviderRefundStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'NOT_FOUND';

export interface RefundStatusReport {
  status: ProviderRefundStatus;
  channelRefundNo: string | null;
  amount: number | null;
  /** Epoch ms the refund completed, when SUCCEEDED. */
  completedAt: number | null;
}

/** A provider's HTTP request to /v1/notify/{code}, exactly as received. */
export interface InboundNotification {
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received: signatures are computed over it. */
  rawBody: string;
  contentType: string;
}

/** What the provider must get back (its protocol says: `success`, `{"code":"SUCCESS"}`, 204…). */
export interface NotificationReply {
  status: number;
  contentType: string;
  body: string;
}

export type NotificationEvent =
  | {
      kind: 'payment';
      orderId: string;
      status: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'CLOSED';
      channelTradeNo: string | null;
      amount: number | null;
      currency: string | null;
      /** Epoch ms the provider says the payment happened (paid_at). */
      occurredAt: number | null;
    }
  | {
      kind: 'refund';
      refundId: string;
      orderId: string | null;
      status: 'PENDING' | 'SUCCEEDED' | 'FAILED';
      channelRefundNo: string | null;
      amount: number | null;
      occurredAt: number | null;
    };

/** A verified notification: the event to apply and the reply the provider expects. */
export interface ParsedNotification {
  event: NotificationEvent;
  reply: NotificationReply;
}

/** One movement on the provider's daily statement. */
export interface StatementLine {
  type: 'payment' | 'refund';
  /** Our order id; '' on a refund line that does not say which order it refunds. */
  orderId: string;
  refundId: string | null;
  channelTradeNo: string | null;
  amount: number;
  currency: string;
  /** The provider's fee, when its statement carries one. */
  fee: number | null;
  status: 'SUCCEEDED' | 'FAILED' | 'CLOSED' | 'PENDING';
  occurredAt: number;
}

export type ConfigValidation =
  { ok: true; config: Record<string, unknown> } | { ok: false; errors: FieldError[] };

/**
 * Why a provider call failed. `timeout` and `unavailable` (network errors, 5xx) count against
 * the channel's health; `rejected` is the provider refusing this request (bad parameters,
 * trade already closed) and says nothing about the channel's health.
 */
export type ProviderFailureKind = 'timeout' | 'unavailable' | 'rejected';

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderFailureKind,
    message: string,
    /** The provider's own error code, when it gave one. */
    readonly providerCode?: string,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** A notification that failed verification (signature, timestamp, shape): answered 401, nothing changes. */
export class NotificationRejectedError extends Error {
  constructor(
    message: string,
    /** What to answer the provider, if its protocol asks for a specific failure body. */
    readonly reply?: NotificationReply,
  ) {
    super(message);
    this.name = 'NotificationRejectedError';
  }
}

/**
 * An adapter. Registered by `name` (the channel's `provider` field) with `@RegisterProvider()`;
 * an instance serves every channel of its provider, each call carrying that channel's context.
 */
export abstract class PaymentProvider {
  /** The `provider` value of channels this adapter serves. */
  abstract readonly name: string;
  /** The provider's name as people know it (GET /v1/channel-providers). */
  abstract readonly title: string;
  /** Keys of `config` that are secrets: encrypted at rest, masked as `****abcd` in responses. */
  abstract readonly secretFields: readonly string[];
  /** Every setting `validateConfig` accepts, for the console's channel form. */
  abstract readonly configFields: readonly ProviderConfigField[];

  /** Checks and normalises a channel's `config` at creation and update (400 with field errors). */
  abstract validateConfig(config: unknown): ConfigValidation;

  abstract createPayment(
    channel: ChannelContext,
    request: CreatePaymentRequest,
  ): Promise<CreatePaymentResult>;
  abstract queryPayment(
    channel: ChannelContext,
    orderId: string,
    channelTradeNo: string | null,
  ): Promise<PaymentStatusReport>;
  /** Closes an unpaid trade. Returns the provider's status after trying: SUCCEEDED if the payer paid first. */
  abstract closePayment(
    channel: ChannelContext,
    orderId: string,
    channelTradeNo: string | null,
  ): Promise<PaymentStatusReport>;
  abstract refund(channel: ChannelContext, request: RefundRequest): Promise<RefundStatusReport>;
  abstract queryRefund(
    channel: ChannelContext,
    request: RefundRequest,
  ): Promise<RefundStatusReport>;
  /** Verifies (signature, timestamp) and normalises a notification; throws NotificationRejectedError. */
  abstract parseNotification(
    channel: ChannelContext,
    notification: InboundNotification,
  ): Promise<ParsedNotification>;
  /** The provider's statement for a settlement date (YYYY-MM-DD in SETTLEMENT_TZ). */
  abstract fetchStatement(channel: ChannelContext, date: string): Promise<StatementLine[]>;

  /**
   * The wallets and products the hosted cashier may use on this channel. None by default: an
   * adapter serves the cashier by declaring what its channel's account can do.
   */
  walletProducts(_channel: ChannelContext): WalletProduct[] {
    return [];
  }

  /**
   * Where to send the payer's browser to learn their wallet id (a product's `payerId`); the
   * wallet comes back to `redirectUri` with a code and `state`.
   */
  payerAuthorizationUrl(_channel: ChannelContext, _redirectUri: string, _state: string): string {
    throw new ProviderError('rejected', `${this.name} has no payer authorization`);
  }

  /** The payer's wallet id for the code the wallet's authorization came back with. */
  resolvePayer(_channel: ChannelContext, _code: string): Promise<string> {
    return Promise.reject(new ProviderError('rejected', `${this.name} has no payer authorization`));
  }
}
