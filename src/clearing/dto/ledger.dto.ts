import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/pagination';
import { IsCurrencyCode, IsMinorUnits, QueryInt } from '../../common/validation/decorators';
import { ACCOUNT_TYPES } from '../journal';

export class BalancesQueryDto extends PageQueryDto {
  /** channel_receivable, merchant_payable or fee_income. */
  @ApiPropertyOptional({ enum: ACCOUNT_TYPES })
  @IsOptional()
  @IsIn(ACCOUNT_TYPES)
  account_type?: string;

  /** One account by name. @example merchant:1000001:payable */
  @IsOptional()
  @IsString()
  @MaxLength(80)
  account?: string;

  /** The payable account of this merchant. */
  @ApiPropertyOptional({ type: 'integer', format: 'int64' })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  source_id?: number;

  @IsOptional()
  @IsCurrencyCode()
  currency?: string;

  /** Balances as of the end of this settlement date (YYYY-MM-DD); default: everything posted. @example 2026-11-26 */
  @IsOptional()
  @IsString()
  date?: string;
}

export class BalanceDto {
  /** @example merchant:1000001:payable */
  account!: string;
  @ApiProperty({ enum: ACCOUNT_TYPES })
  account_type!: string;
  currency!: string;
  /** Sum of debits, integer minor units. */
  @ApiProperty({ type: 'integer', format: 'int64' })
  debit_total!: number;
  /** Sum of credits, integer minor units. */
  @ApiProperty({ type: 'integer', format: 'int64' })
  credit_total!: number;
  /**
   * On the account's normal side: debit − credit for a channel's receivable (what the channel
   * owes), credit − debit for a merchant's payable (what is owed to the merchant) and fee income.
   */
  @ApiProperty({ type: 'integer', format: 'int64' })
  balance!: number;
}

export class BalancePageDto {
  items!: BalanceDto[];
  @ApiProperty({ nullable: true, type: String })
  next_cursor!: string | null;
}

export class JournalQueryDto extends PageQueryDto {
  @IsOptional()
  @IsString()
  @MaxLength(40)
  order_id?: string;

  @ApiPropertyOptional({ type: 'integer', format: 'int64' })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  source_id?: number;

  /** Settlement date, YYYY-MM-DD. */
  @IsOptional()
  @IsString()
  date?: string;
}

export class JournalLineDto {
  account!: string;
  @ApiProperty({ enum: ACCOUNT_TYPES })
  account_type!: string;
  currency!: string;
  @ApiProperty({ type: 'integer', format: 'int64' })
  debit!: number;
  @ApiProperty({ type: 'integer', format: 'int64' })
  credit!: number;
}

export class JournalEntryDto {
  /** @example je_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b */
  entry_id!: string;
  @ApiProperty({ enum: ['payment', 'refund', 'reversal', 'correction'] })
  kind!: string;
  /** The side of the merchant's bill: a payment in or a refund out. */
  @ApiProperty({ enum: ['payment', 'refund'] })
  movement!: string;
  order_id!: string;
  @ApiProperty({ nullable: true, type: String })
  refund_id!: string | null;
  @ApiProperty({ type: 'integer', format: 'int64' })
  source_id!: number;
  channel!: string;
  currency!: string;
  /** The bill's date, YYYY-MM-DD in SETTLEMENT_TZ. */
  date!: string;
  /** The entry a reversal undoes or a correction replaces. */
  @ApiProperty({ nullable: true, type: String })
  related_entry_id!: string | null;
  @ApiProperty({ nullable: true, type: String })
  memo!: string | null;
  created_at!: string;
  lines!: JournalLineDto[];
}

export class JournalPageDto {
  items!: JournalEntryDto[];
  @ApiProperty({ nullable: true, type: String })
  next_cursor!: string | null;
}

export class ReverseEntryDto {
  /** Why the entry is undone (kept on the reversal). @example posted against the wrong channel */
  @IsString()
  @Length(1, 256)
  reason!: string;
}

export class CorrectEntryDto {
  /** What the movement's amount should have been, integer minor units. @example 990 */
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 1 })
  @IsMinorUnits()
  amount!: number;

  /** What its channel fee should have been, integer minor units (0 allowed). @example 6 */
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0 })
  @IsMinorUnits({ min: 0 })
  fee!: number;

  /** Why (kept on both new entries). @example the channel settled 9.90, see reconciliation rec_… */
  @IsString()
  @Length(1, 256)
  reason!: string;
}

export class CorrectionDto {
  /** The mirror of the original entry. */
  reversal!: JournalEntryDto;
  /** The entry with the right figures. */
  correction!: JournalEntryDto;
}
