import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/pagination';

export class CreateClearingRunDto {
  /** The settlement date to clear, YYYY-MM-DD in SETTLEMENT_TZ; today clears provisionally. @example 2026-11-26 */
  @IsString()
  date!: string;
}

export class ListClearingRunsQueryDto extends PageQueryDto {
  /** Settlement date, YYYY-MM-DD. */
  @IsOptional()
  @IsString()
  date?: string;
}

export class ClearingRunDto {
  /** @example clr_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b */
  run_id!: string;
  /** The settlement date cleared. @example 2026-11-26 */
  date!: string;
  @ApiProperty({ enum: ['running', 'succeeded', 'failed'] })
  status!: string;
  /** The status of the bills it wrote: provisional when the date had not ended yet. */
  @ApiProperty({ enum: ['provisional', 'final'] })
  bill_status!: string;
  @ApiProperty({ nullable: true, type: 'integer' })
  bill_count!: number | null;
  started_at!: string;
  @ApiProperty({ nullable: true, type: String })
  finished_at!: string | null;
  @ApiProperty({ enum: ['manual', 'scheduled'] })
  trigger!: string;
  /** Why a failed run failed. */
  @ApiProperty({ nullable: true, type: String })
  error!: string | null;
}

export class ClearingRunPageDto {
  items!: ClearingRunDto[];
  @ApiProperty({ nullable: true, type: String })
  next_cursor!: string | null;
}
