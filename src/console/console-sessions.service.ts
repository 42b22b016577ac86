import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../admin/audit/audit.service';
import { AuthError } from '../auth/auth.errors';
import { CredentialStateCache } from '../auth/credential-state-cache';
import { AccessRole, permissionsOf } from '../auth/permissions';
import { Principal } from '../auth/principal';
import { KeysService } from '../common/crypto/keys.service';
import { AppError } from '../common/errors/app-error';
import { clientAddressKey } from '../common/net/client-address';
import { Attempt, FailureThrottle } from '../common/rate-limit/failure-throttle';
import { FailureThrottles } from '../common/rate-limit/failure-throttles';
import { iso } from '../common/time';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { MerchantsRepository } from '../merchants/merchants.repository';
import { ConsoleError } from './console.errors';
import { ConsoleSessionsRepository } from './console-sessions.repository';
import { ConsoleUsersRepository } from './console-users.repository';
import { toConsoleUserDto } from './console-users.service';
import {
  ChangePasswordDto,
  ConfirmTotpDto,
  ConsoleSessionDto,
  CurrentPasswordDto,
  LoginDto,
  RecoveryCodesDto,
  TotpEnrolmentDto,
  TotpStatusDto,
} from './dto/console-session.dto';
import { ConsoleUserEntity } from './entities/console-user.entity';
import { checkPasswordPolicy, hashPassword, needsRehash, verifyPassword } from './passwords';
import { SessionAuthenticator } from './session-authenticator';
import { clearedCookies, newSessionToken, sessionCookies, sessionIdOf } from './session-cookies';
import { newRecoveryCodes, newTotpSecret, recoveryCodeHash, totpStep, totpUri } from './totp';

/** Where a console request came from: written on the session and on audit rows. */
export interface ClientContext {
  ip: string;
  userAgent: string | undefined;
  requestId: string;
}

/** A session opened: what the client sees, and the cookies that carry it. */
export interface OpenedSession {
  session: ConsoleSessionDto;
  cookies: string[];
}

/**
 * Logging in and out of the console, one's own password and two-factor authentication.
 *
 * A wrong password and an unknown email are the same answer (401 `invalid_credentials`) after
 * the same work (one scrypt check, against a decoy hash for an unknown email). Failures are
 * counted per email and per client address, with the token endpoint's failure throttle; past
 * CONSOLE_LOGIN_MAX_FAILURES (per address: CONSOLE_LOGIN_IP_MAX_FAILURES) within
 * CONSOLE_LOGIN_LOCKOUT_MINUTES every login of that email or from that address is 429
 * `rate_limited` with Retry-After until the lockout ends, whether the account exists or not.
 */
@Injectable()
export class ConsoleSessionsService {
  private readonly failures: FailureThrottle<'email' | 'address'>;

  constructor(
    private readonly db: Database,
    private readonly users: ConsoleUsersRepository,
    private readonly sessions: ConsoleSessionsRepository,
    private readonly merchants: MerchantsRepository,
    private readonly authenticator: SessionAuthenticator,
    private readonly cache: CredentialStateCache,
    throttles: FailureThrottles,
    private readonly audit: AuditService,
    private readonly keys: KeysService,
    private readonly config: AppConfig,
  ) {
    const env = config.env;
    const window = env.CONSOLE_LOGIN_LOCKOUT_MINUTES * 60;
    this.failures = throttles.create(
      'console_login',
      [
        {
          name: 'email',
          by: ['email'],
          failures: env.CONSOLE_LOGIN_MAX_FAILURES,
          windowSeconds: window,
          lockoutSeconds: window,
          clearedBySuccess: true,
        },
        {
          name: 'address',
          by: ['address'],
          failures: env.CONSOLE_LOGIN_IP_MAX_FAILURES,
          windowSeconds: window,
          lockoutSeconds: window,
        },
      ],
      { privateDimensions: ['email'] },
    );
  }

  async login(dto: LoginDto, client: ClientContext): Promise<OpenedSession> {
    const email = dto.email.trim().toLowerCase();
    const attempt = loginAttempt(email, client.ip);
    const audit = (
      result: 'success' | 'failure',
      user: ConsoleUserEntity | null,
      reason?: string,
    ) =>
      this.audit.record({
        action: 'console.login',
        targetType: 'console_user',
        targetId: user?.userId ?? null,
        actorEmail: email,
        actorRole: user ? accessOf(user) : undefined,
        result,
        reason,
        ip: client.ip,
        requestId: client.requestId,
      });
    const lockout = await this.failures.check(attempt);
    if (lockout) {
      await audit('failure', null, 'rate_limited');
      throw this.failures.refusal(lockout);
    }
    const user = await this.db.run((em) => this.users.findByEmail(em, email));
    // always one full check, against a decoy for an unknown email: same answer, same time
    const matches = await verifyPassword(dto.password, user?.passwordHash);
    if (!user || !matches || user.status !== 'active') {
      await this.failures.failed(attempt);
      await audit('failure', user, 'invalid_credentials');
      throw ConsoleError.invalidCredentials();
    }
    if (user.sourceId !== null) {
      const merchant = await this.db.run((em) => this.merchants.findBySourceId(em, user.sourceId!));
      if (merchant?.status !== 'active') {
        await audit('failure', user, 'merchant_suspended');
        throw AuthError.merchantSuspended();
      }
    }
    if (user.totpEnabledAt !== null) {
      if (!dto.totp) {
        await audit('failure', user, 'totp_required');
        throw ConsoleError.totpRequired();
      }
      if (!(await this.secondFactor(user, dto.totp))) {
        await this.failures.failed(attempt);
        await audit('failure', user, 'invalid_totp');
        throw ConsoleError.invalidTotp();
      }
    }
    await this.failures.succeeded(attempt);
    const now = Date.now();
    const rehashed = needsRehash(user.passwordHash) ? await hashPassword(dto.password) : undefined;
    const opened = await this.db.transaction(async (em) => {
      await this.users.recordLogin(em, user.userId, now, rehashed);
      return this.open(em, { ...user, lastLoginAt: now }, client, now);
    });
    await audit('success', user);
    return opened;
  }

  async currentSession(principal: Principal): Promise<ConsoleSessionDto> {
    const actor = principal.user!;
    const [user, state] = await this.db.run(async (em) => [
      await this.users.findById(em, actor.userId),
      await this.sessions.state(em, actor.sessionId),
    ]);
    if (!user || !state) throw ConsoleError.sessionExpired();
    return this.describe(user, state.expiresAt);
  }

  async logout(principal: Principal): Promise<string[]> {
    const { sessionId } = principal.user!;
    await this.db.transaction(async (em) => {
      await this.sessions.revoke(em, sessionId, Date.now());
      await this.cache.changed(em, { sessionId });
    });
    this.cache.evict({ sessionId });
    return clearedCookies(this.secureCookies);
  }

  /**
   * Changes one's own password: every session of the user ends (on every instance), and this
   * browser gets a new one.
   */
  async changePassword(
    principal: Principal,
    dto: ChangePasswordDto,
    client: ClientContext,
  ): Promise<OpenedSession> {
    const user = await this.reauthenticate(principal, dto.current_password, client.ip);
    checkPasswordPolicy(dto.new_password, user.email, 'new_password');
    if (dto.new_password === dto.current_password) {
      throw ConsoleError.weakPassword('it must differ from the current password', 'new_password');
    }
    const passwordHash = await hashPassword(dto.new_password);
    const now = Date.now();
    const opened = await this.db.transaction(async (em) => {
      await this.users.update(
        em,
        user.userId,
        { passwordHash, mustChangePassword: false, passwordChangedAt: now },
        now,
      );
      await this.sessions.revokeAllOfUser(em, user.userId, now);
      await this.cache.changed(em, { userId: user.userId });
      return this.open(em, { ...user, mustChangePassword: false }, client, now);
    });
    this.cache.evict({ userId: user.userId });
    return opened;
  }

  /** Starts enrolling an authenticator: a new key, confirmed by a code from it (`confirmTotp`). */
  async beginTotp(
    principal: Principal,
    dto: CurrentPasswordDto,
    client: ClientContext,
  ): Promise<TotpEnrolmentDto> {
    const user = await this.reauthenticate(principal, dto.current_password, client.ip);
    if (user.totpEnabledAt !== null) throw ConsoleError.totpState('enabled');
    const secret = newTotpSecret();
    await this.db.run((em) =>
      this.users.update(
        em,
        user.userId,
        { totpPendingSecret: this.keys.secretBox.seal(secret) },
        Date.now(),
      ),
    );
    return { secret, otpauth_url: totpUri(secret, user.email, 'paygate') };
  }

  /** Confirms enrolment with a code of the new key; answers the recovery codes, once. */
  async confirmTotp(principal: Principal, dto: ConfirmTotpDto): Promise<RecoveryCodesDto> {
    const user = await this.userOf(principal);
    if (user.totpEnabledAt !== null) throw ConsoleError.totpState('enabled');
    if (user.totpPendingSecret === null) throw ConsoleError.totpState('not being enrolled');
    const secret = this.keys.secretBox.open(user.totpPendingSecret);
    const now = Date.now();
    const step = totpStep(secret, dto.totp, now);
    if (step === null) {
      throw AppError.validation([
        { field: 'totp', message: 'totp is not a current code of the key being enrolled' },
      ]);
    }
    const codes = newRecoveryCodes();
    await this.db.transaction(async (em) => {
      await this.users.update(
        em,
        user.userId,
        {
          totpSecret: user.totpPendingSecret,
          totpPendingSecret: null,
          totpEnabledAt: now,
          totpLastStep: step,
        },
        now,
      );
      await this.users.replaceRecoveryCodes(em, user.userId, codes.map(recoveryCodeHash), now);
    });
    return { recovery_codes: codes };
  }

  async disableTotp(
    principal: Principal,
    dto: CurrentPasswordDto,
    client: ClientContext,
  ): Promise<TotpStatusDto> {
    const user = await this.reauthenticate(principal, dto.current_password, client.ip);
    if (user.totpEnabledAt === null) throw ConsoleError.totpState('not enabled');
    const now = Date.now();
    await this.db.transaction(async (em) => {
      await this.users.update(
        em,
        user.userId,
        { totpSecret: null, totpPendingSecret: null, totpEnabledAt: null, totpLastStep: null },
        now,
      );
      await this.users.replaceRecoveryCodes(em, user.userId, [], now);
    });
    return { totp_enabled: false };
  }

  /** The session's own user, after checking their password again (throttled like a login). */
  private async reauthenticate(
    principal: Principal,
    password: string,
    ip: string,
  ): Promise<ConsoleUserEntity> {
    const user = await this.userOf(principal);
    const attempt = loginAttempt(user.emailKey, ip);
    const lockout = await this.failures.check(attempt);
    if (lockout) throw this.failures.refusal(lockout);
    if (!(await verifyPassword(password, user.passwordHash))) {
      await this.failures.failed(attempt);
      throw AppError.validation([
        {
          field: 'current_password',
          message: 'current_password is not the password of this account',
        },
      ]);
    }
    return user;
  }

  private async userOf(principal: Principal): Promise<ConsoleUserEntity> {
    const user = await this.db.run((em) => this.users.findById(em, principal.user!.userId));
    if (!user) throw ConsoleError.sessionExpired();
    return user;
  }

  /** A TOTP code not used before, or an unused recovery code. */
  private async secondFactor(user: ConsoleUserEntity, code: string): Promise<boolean> {
    const now = Date.now();
    if (/^\d{6}$/.test(code.trim())) {
      const step = totpStep(this.keys.secretBox.open(user.totpSecret!), code.trim(), now);
      return step !== null && this.db.run((em) => this.users.useTotpStep(em, user.userId, step));
    }
    return this.db.run((em) =>
      this.users.useRecoveryCode(em, user.userId, recoveryCodeHash(code), now),
    );
  }

  private async open(
    em: EntityManager,
    user: ConsoleUserEntity,
    client: ClientContext,
    now: number,
  ): Promise<OpenedSession> {
    const token = newSessionToken();
    const lifetimeSeconds = this.config.env.CONSOLE_SESSION_HOURS * 3600;
    const expiresAt = now + lifetimeSeconds * 1000;
    await this.sessions.insert(em, {
      sessionId: sessionIdOf(token),
      userId: user.userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      revokedAt: null,
      ip: client.ip.slice(0, 64),
      userAgent: client.userAgent?.slice(0, 256) ?? null,
    });
    return {
      session: this.describe(user, expiresAt),
      cookies: sessionCookies(token, this.authenticator.csrfFor(token), {
        secure: this.secureCookies,
        maxAgeSeconds: lifetimeSeconds,
      }),
    };
  }

  private describe(user: ConsoleUserEntity, expiresAt: number): ConsoleSessionDto {
    const {
      status: _status,
      created_at: _created,
      updated_at: _updated,
      ...shown
    } = toConsoleUserDto(user);
    return {
      user: shown,
      permissions: user.mustChangePassword ? ['session.self'] : permissionsOf(accessOf(user)),
      expires_at: iso(expiresAt),
      idle_timeout_minutes: this.config.env.CONSOLE_SESSION_IDLE_MINUTES,
    };
  }

  /** Secure cookies, unless the service is reached over plain http (PUBLIC_BASE_URL). */
  private get secureCookies(): boolean {
    return !this.config.publicBaseUrl.startsWith('http:');
  }
}

function loginAttempt(email: string, ip: string): Attempt<'email' | 'address'> {
  return { email, address: clientAddressKey(ip) };
}

function accessOf(user: ConsoleUserEntity): AccessRole {
  return `${user.scope}_${user.role}` as AccessRole;
}
