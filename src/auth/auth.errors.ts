import { AppError } from '../common/errors/app-error';

export class AuthError extends AppError {
  static invalidClient(): AuthError {
    return new AuthError('invalid_client', {}, undefined, {
      'www-authenticate': 'Basic realm="paygate"',
    });
  }
  static unauthenticated(): AuthError {
    return new AuthError('unauthenticated', {}, undefined, {
      'www-authenticate': 'Bearer realm="paygate"',
    });
  }
  static tokenExpired(): AuthError {
    return new AuthError('token_expired', {}, undefined, {
      'www-authenticate': 'Bearer realm="paygate", error="invalid_token"',
    });
  }
  static tokenRevoked(): AuthError {
    return new AuthError('token_revoked', {}, undefined, {
      'www-authenticate': 'Bearer realm="paygate", error="invalid_token"',
    });
  }
  static merchantSuspended(): AuthError {
    return new AuthError('merchant_suspended');
  }
  static unsupportedGrantType(): AuthError {
    return new AuthError('unsupported_grant_type');
  }
}
