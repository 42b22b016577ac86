import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { IfPresent } from '../../common/validation/decorators';

/** The static code's form: what the payer typed, in major units (yuan), e.g. `12.50`. */
export class CodeAmountDto {
  /** Major units as typed; ignored for a code with a fixed amount. @example 12.50 */
  @ApiPropertyOptional()
  @IfPresent()
  @IsString()
  @MaxLength(32)
  amount?: string;
}
