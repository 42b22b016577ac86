import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { FormBool, FormInt, IfPresent } from '../../common/validation/decorators';

export class SetMaintenanceDto {
  /** true turns maintenance on: non-admin `/v1` requests get 503 until it is turned off. @example true */
  @FormBool()
  @IsBoolean()
  enabled!: boolean;

  /** Sent to clients as `Retry-After`. @example 300 */
  @IfPresent()
  @FormInt()
  @IsInt()
  @Min(1)
  @Max(86400)
  retry_after_seconds?: number;
}

export class MaintenanceDto {
  enabled!: boolean;
  retry_after_seconds!: number;
  /** When it was last switched; null if never. */
  updated_at!: string | null;
}
