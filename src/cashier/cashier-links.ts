import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { KeysService } from '../common/crypto/keys.service';
import { AppConfig } from '../config/app-config';

const VERSION = 1;
const ORDER_ID = /^ord_([0-9a-f]{32})$/;
/** version (1) + order id (16) + expiry in epoch ms (6) + MAC (16): 52 base64url characters. */
const PAYLOAD_BYTES = 1 + 16 + 6;
const MAC_BYTES = 16;

/** A token that verified: the order it is bound to and the order's expiry. */
export interface OrderLink {
  orderId: string;
  expiresAt: number;
}

/**
 * The cashier's links to an order, `/cashier/{token}`: the token binds the order id and its
 * expiry under a MAC (HMAC-SHA256, 128 bits kept) with a key derived from the service's signing
 * secret, so it cannot be guessed from an order id or altered. It carries nothing secret and
 * no amount: the page reads the order from the database.
 */
@Injectable()
export class CashierLinks {
  private derived?: Buffer[];

  constructor(
    private readonly keys: KeysService,
    private readonly config: AppConfig,
  ) {}

  /** The cashier page of an order: its pay_url. */
  orderUrl(orderId: string, expiresAt: number): string {
    return `${this.config.publicBaseUrl}/cashier/${this.orderToken(orderId, expiresAt)}`;
  }

  orderToken(orderId: string, expiresAt: number): string {
    const match = ORDER_ID.exec(orderId);
    if (!match) throw new Error(`${orderId} is not an order id`);
    const payload = Buffer.alloc(PAYLOAD_BYTES);
    payload.writeUInt8(VERSION, 0);
    Buffer.from(match[1], 'hex').copy(payload, 1);
    payload.writeUIntBE(expiresAt, 17, 6);
    return Buffer.concat([payload, this.mac(payload)]).toString('base64url');
  }

  /** The order a token names, or null when it is not one of ours (altered, truncated, made up). */
  verify(token: string): OrderLink | null {
    if (!/^[A-Za-z0-9_-]{52}$/.test(token)) return null;
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length !== PAYLOAD_BYTES + MAC_BYTES || bytes[0] !== VERSION) return null;
    const payload = bytes.subarray(0, PAYLOAD_BYTES);
    const mac = bytes.subarray(PAYLOAD_BYTES);
    // any signing secret of the ring: links made before a rotation keep working
    if (!this.macs(payload).some((m) => timingSafeEqual(mac, m))) return null;
    return {
      orderId: `ord_${payload.subarray(1, 17).toString('hex')}`,
      expiresAt: payload.readUIntBE(17, 6),
    };
  }

  /** A MAC under the cashier's key for other values bound to a link (the OAuth state). */
  sign(value: string): string {
    return this.mac(Buffer.from(value, 'utf8')).toString('base64url');
  }

  private mac(data: Buffer): Buffer {
    return this.macs(data, 1)[0];
  }

  /** The MAC of `data` under the key derived from each signing secret, current first. */
  private macs(data: Buffer, count = Infinity): Buffer[] {
    this.derived ??= this.keys.signingKeys.map((k) =>
      Buffer.from(hkdfSync('sha256', k.secret, Buffer.alloc(0), 'paygate cashier links', 32)),
    );
    return this.derived
      .slice(0, count)
      .map((key) => createHmac('sha256', key).update(data).digest().subarray(0, MAC_BYTES));
  }
}
