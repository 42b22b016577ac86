import { AppError } from '../common/errors/app-error';

export class CashierError extends AppError {
  static linkNotFound(): CashierError {
    return new CashierError('cashier_link_not_found');
  }
  static linkExpired(): CashierError {
    return new CashierError('cashier_link_expired');
  }
  static walletUnavailable(wallet: string): CashierError {
    return new CashierError('wallet_unavailable', { wallet });
  }
  static startedElsewhere(wallet: string): CashierError {
    return new CashierError('checkout_started_elsewhere', { wallet });
  }
  static oauthStateInvalid(): CashierError {
    return new CashierError('oauth_state_invalid');
  }
  static qrCodeNotFound(): CashierError {
    return new CashierError('qr_code_not_found');
  }
  static qrCodeDisabled(): CashierError {
    return new CashierError('qr_code_disabled');
  }
  static amountOutOfRange(min: string, max: string, currency: string): CashierError {
    return new CashierError('amount_out_of_range', { min, max, currency });
  }
  static invalidPayerAmount(currency: string, digits: number, example: string): CashierError {
    return new CashierError('invalid_payer_amount', { currency, digits, example });
  }
}
