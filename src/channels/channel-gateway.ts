import { RouteCandidate, RouteDecision, RouteRequest } from './routing/route.types';
import {
  CreatePaymentRequest,
  CreatePaymentResult,
  InboundNotification,
  ParsedNotification,
  PaymentStatusReport,
  ProviderFailureKind,
  RefundRequest,
  RefundStatusReport,
  StatementLine,
  WalletProduct,
} from './providers/payment-provider.port';

/** Why one attempt at one channel did not produce a payment. */
export type AttemptFailureReason = ProviderFailureKind | 'daily_limit' | 'circuit_open';

/** An attempt at a channel failed; payments records it and tries the next candidate. */
export class ChannelAttemptError extends Error {
  constructor(
    readonly reason: AttemptFailureReason,
    message: string,
    readonly providerCode?: string,
  ) {
    super(message);
    this.name = 'ChannelAttemptError';
  }
}

/** The channel a notification came through, and the verified event. */
export interface VerifiedNotification {
  channelId: string;
  code: string;
  parsed: ParsedNotification;
}

/**
 * What the payments and clearing modules may ask of the channels module: routing, and every
 * provider call with the channel's decrypted config, the provider timeout
 * (CHANNEL_TIMEOUT_MS) and the circuit breaker applied. Calls by `channelId` work for deleted
 * channels too: their orders can still be queried, refunded and reconciled.
 *
 * Nothing here runs inside the caller's database transaction.
 */
export abstract class ChannelGateway {
  /** The candidates for an order, in the order to try them, and the channels left out. */
  abstract route(request: RouteRequest): Promise<RouteDecision>;

  /**
   * Creates the payment at one candidate: reserves today's volume (refused with
   * `daily_limit` when it would pass the channel's `daily_limit`), checks the circuit
   * (`circuit_open`), calls the provider within CHANNEL_TIMEOUT_MS, and records the outcome on
   * the channel's health. A failure releases the reservation and throws ChannelAttemptError.
   * `settlementDate` is the order's day in SETTLEMENT_TZ.
   */
  abstract createPayment(
    candidate: RouteCandidate,
    request: CreatePaymentRequest,
    settlementDate: string,
  ): Promise<CreatePaymentResult>;

  /** Throws ProviderError on failure. */
  abstract queryPayment(
    channelId: string,
    orderId: string,
    channelTradeNo: string | null,
  ): Promise<PaymentStatusReport>;
  abstract closePayment(
    channelId: string,
    orderId: string,
    channelTradeNo: string | null,
  ): Promise<PaymentStatusReport>;
  abstract refund(channelId: string, request: RefundRequest): Promise<RefundStatusReport>;
  abstract queryRefund(channelId: string, request: RefundRequest): Promise<RefundStatusReport>;

  /**
   * Verifies a notification sent to /v1/notify/{code} with that channel's keys (the live
   * channel of that code, else the deleted ones). Throws NotificationRejectedError when no
   * channel of the code verifies it, and AppError `channel_not_found` (404) when the code never
   * existed.
   */
  abstract verifyNotification(
    code: string,
    notification: InboundNotification,
  ): Promise<VerifiedNotification>;

  /** The channel's statement for a settlement date (YYYY-MM-DD), through its adapter. */
  abstract fetchStatement(code: string, date: string): Promise<StatementLine[]>;

  /** What the hosted cashier may use on a live channel (its adapter's `walletProducts`). */
  abstract walletProducts(channelId: string): WalletProduct[];

  /** Where to send the payer to learn their wallet id on a live channel (WeChat OAuth). */
  abstract payerAuthorizationUrl(channelId: string, redirectUri: string, state: string): string;

  /** The payer's wallet id for an authorization code; throws ProviderError. */
  abstract resolvePayer(channelId: string, code: string): Promise<string>;

  /** code, provider and fee settings of a channel (live or deleted), for display and fees. */
  abstract describe(
    channelId: string,
  ): Promise<{ code: string; provider: string; feeRateBps: number; fixedFee: number } | null>;
}
