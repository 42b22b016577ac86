import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CONFIG_FIELD_KINDS } from '../providers/provider-config';

/** One setting of a provider's `config`. */
export class ProviderConfigFieldDto {
  /** The key in `config`. @example app_id */
  key!: string;
  /** How to enter it: `secret` a password box, `pem` a multi-line key or certificate. */
  @ApiProperty({ enum: CONFIG_FIELD_KINDS })
  kind!: string;
  /** Needed when a channel is added. */
  required!: boolean;
  /** Write-only: never returned in clear (masked as `****abcd`, or not kept at all). */
  secret!: boolean;
  /** `select`: the values allowed. */
  @ApiPropertyOptional({ type: [String] })
  options?: string[];
  /** `select`: several values may be chosen, sent as a list. */
  multiple?: boolean;
  description!: string;
}

/** A provider the server can route to, with the settings its channels take. */
export class ChannelProviderDto {
  /** The channel's `provider` value. @example alipay */
  provider!: string;
  /** @example Alipay 支付宝 */
  name!: string;
  fields!: ProviderConfigFieldDto[];
}

export class ChannelProviderListDto {
  items!: ChannelProviderDto[];
}
