import { AppError } from '../common/errors/app-error';

export class ConsoleError extends AppError {
  static invalidCredentials(): ConsoleError {
    return new ConsoleError('invalid_credentials');
  }
  static totpRequired(): ConsoleError {
    return new ConsoleError('totp_required');
  }
  static invalidTotp(): ConsoleError {
    return new ConsoleError('invalid_totp');
  }
  static sessionExpired(): ConsoleError {
    return new ConsoleError('session_expired');
  }
  static csrfFailed(): ConsoleError {
    return new ConsoleError('csrf_failed');
  }
  static weakPassword(problem: string, field = 'password'): ConsoleError {
    return new ConsoleError('weak_password', { problem }, [{ field, message: problem }]);
  }
  static userNotFound(): ConsoleError {
    return new ConsoleError('user_not_found');
  }
  static emailTaken(): ConsoleError {
    return new ConsoleError('email_taken');
  }
  static lastOwner(scope: string): ConsoleError {
    return new ConsoleError('last_owner', { scope });
  }
  static ownAccount(): ConsoleError {
    return new ConsoleError('own_account');
  }
  static totpState(state: 'enabled' | 'not enabled' | 'not being enrolled'): ConsoleError {
    return new ConsoleError('invalid_state', { resource: 'two-factor authentication', state });
  }
}
