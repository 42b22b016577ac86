import { Injectable, PipeTransform } from '@nestjs/common';
import { MerchantError } from './merchants.errors';

/** A `source_id` path segment: a positive integer, else the merchant cannot exist (404). */
@Injectable()
export class SourceIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^\d{1,15}$/.test(value)) throw MerchantError.merchantNotFound();
    return Number(value);
  }
}
