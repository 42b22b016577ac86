import { AppError } from '../common/errors/app-error';

export class MerchantError extends AppError {
  static invalidNotifyUrl(problem: string): MerchantError {
    return new MerchantError('invalid_notify_url', { problem }, [
      { field: 'notify_url', message: `notify_url ${problem}` },
    ]);
  }
  static merchantNotFound(): MerchantError {
    return new MerchantError('merchant_not_found');
  }
  static credentialNotFound(): MerchantError {
    return new MerchantError('credential_not_found');
  }
  static credentialLimitReached(limit: number): MerchantError {
    return new MerchantError('credential_limit_reached', { limit });
  }
}
