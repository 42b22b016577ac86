import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { WALLETS } from '../../channels/providers/payment-provider.port';

/** The cashier page asks to start paying with a wallet. */
export class StartWalletDto {
  /** The wallet the payer chose (`sandbox` outside production). @example wechat */
  @ApiProperty({ enum: WALLETS })
  @IsIn(WALLETS)
  wallet!: string;
}

/** What the page does next to let the payer pay with the wallet. */
export class CheckoutActionDto {
  @ApiProperty({ enum: WALLETS })
  wallet!: string;
  /**
   * `redirect`: go to `url` (Alipay's wap page, WeChat H5, the wallet's own page); `qr`: show
   * `qr_image` (a PNG data URL of `qr_code`) to scan with the wallet; `wallet_sheet`: hand
   * `wallet_params` to the wallet's JavaScript bridge (WeChat getBrandWCPayRequest).
   */
  @ApiProperty({ enum: ['redirect', 'qr', 'wallet_sheet'] })
  type!: 'redirect' | 'qr' | 'wallet_sheet';
  @ApiProperty({ nullable: true, type: String })
  url!: string | null;
  @ApiProperty({ nullable: true, type: String })
  qr_code!: string | null;
  @ApiProperty({ nullable: true, type: String })
  qr_image!: string | null;
  /** WeChat: appId, timeStamp, nonceStr, package, signType, paySign. */
  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  wallet_params!: Record<string, string> | null;
}

/** The order as the cashier page polls it. */
export class CashierStatusDto {
  /** @example ord_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b */
  order_id!: string;
  /** @example PENDING */
  status!: string;
  /** The order is paid (SUCCEEDED, or refunded since). */
  paid!: boolean;
  /** Where to send the payer now that it is paid; null when the merchant gave none. */
  @ApiProperty({ nullable: true, type: String })
  return_url!: string | null;
}
