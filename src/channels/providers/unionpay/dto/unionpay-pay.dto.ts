import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Matches, MaxLength, Min } from 'class-validator';
import { IsMinorUnits, QueryInt } from '../../../../common/validation/decorators';
import { CHANNEL_CODE } from '../../../dto/channel.dto';

/** The signed fields of a UnionPay gateway pay link (`pay_url`'s query string). */
export class UnionpayPayLinkQueryDto {
  /** The channel's code. @example unionpay_web */
  @IsString()
  @Matches(CHANNEL_CODE)
  channel!: string;

  /** Minor units (fen). */
  @ApiProperty({ type: 'integer', format: 'int64', example: 1000 })
  @QueryInt()
  @IsMinorUnits()
  amount!: number;

  /** Epoch ms: the order's expiry; the page posts nothing after it. */
  @ApiProperty({ type: 'integer', format: 'int64', example: 1764152400000 })
  @QueryInt()
  @IsInt()
  @Min(0)
  expires!: number;

  /** HMAC-SHA256 of the other fields, keyed from the channel's signing key. @example 9f2c4e7a1b3d5f60 */
  @IsString()
  @MaxLength(128)
  sig!: string;
}
