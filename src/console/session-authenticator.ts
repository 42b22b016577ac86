import { createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { CredentialStateCache } from '../auth/credential-state-cache';
import { AccessRole, SIDE_OF } from '../auth/permissions';
import { Principal } from '../auth/principal';
import { KeysService } from '../common/crypto/keys.service';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { ConsoleError } from './console.errors';
import { ConsoleSessionsRepository, SessionState } from './console-sessions.repository';
import {
  CSRF_HEADER,
  csrfMatches,
  csrfTokenOf,
  sessionIdOf,
  sessionTokenOf,
} from './session-cookies';

/** last_seen_at is written at most this often: the idle timeout is minutes, not milliseconds. */
const TOUCH_EVERY_MS = 60_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Turns a request's `paygate_session` cookie into a principal, as the token path turns a
 * Bearer token into one. The session's state (and its user's and merchant's) comes from the
 * same pushed cache as credentials', so ending a session, disabling a user, changing a password
 * or suspending a merchant refuses the cookie at once on every instance. A change made with the
 * cookie (any method but GET/HEAD/OPTIONS) must carry the session's CSRF token in X-CSRF-Token.
 *
 * Only consulted when a request has no Authorization or access_token header: Bearer requests
 * never pay for cookie parsing.
 */
@Injectable()
export class SessionAuthenticator {
  private csrfKeyValues?: Buffer[];

  constructor(
    private readonly db: Database,
    private readonly sessions: ConsoleSessionsRepository,
    private readonly cache: CredentialStateCache,
    private readonly keys: KeysService,
    private readonly config: AppConfig,
  ) {}

  /** The principal of the request's session cookie; undefined when it has none. */
  async authenticate(request: FastifyRequest): Promise<Principal | undefined> {
    const token = sessionTokenOf(request.headers.cookie);
    if (!token) return undefined;
    const sessionId = sessionIdOf(token);
    const now = Date.now();
    let state = this.cache.getSession<SessionState>(sessionId);
    // an instance's copy of last_seen_at may be older than another instance's write
    if (state === undefined || (state !== null && !this.usable(state, now))) {
      state = await this.read(sessionId);
    }
    if (!state || !this.usable(state, now)) throw ConsoleError.sessionExpired();
    if (state.scope === 'merchant' && state.merchantStatus !== 'active') {
      // a suspended merchant's sessions end for good, not just while it is suspended
      await this.end(sessionId, now);
      throw ConsoleError.sessionExpired();
    }
    if (!SAFE_METHODS.has(request.method)) {
      // under any signing secret of the ring: sessions opened before a rotation keep working
      const header = request.headers[CSRF_HEADER];
      if (!this.csrfKeys().some((key) => csrfMatches(header, csrfTokenOf(token, key))))
        throw ConsoleError.csrfFailed();
    }
    if (now - state.lastSeenAt >= TOUCH_EVERY_MS) await this.touch(state, now);
    const access = `${state.scope}_${state.role}` as AccessRole;
    return {
      clientId: state.userId,
      role: SIDE_OF[access],
      sourceId: state.sourceId,
      access,
      user: {
        userId: state.userId,
        email: state.email,
        sessionId,
        mustChangePassword: state.mustChangePassword,
      },
    };
  }

  /** The CSRF token of a session token. */
  csrfFor(token: string): string {
    return csrfTokenOf(token, this.csrfKeys()[0]);
  }

  /** Its idle and absolute timeouts have not passed, it was not revoked, its user is active. */
  usable(state: SessionState, now: number): boolean {
    return (
      state.revokedAt === null &&
      state.userStatus === 'active' &&
      now < state.expiresAt &&
      now - state.lastSeenAt < this.idleMs
    );
  }

  get idleMs(): number {
    return this.config.env.CONSOLE_SESSION_IDLE_MINUTES * 60_000;
  }

  private async read(sessionId: string): Promise<SessionState | null> {
    const readAt = Date.now();
    const state = await this.db.run((em) => this.sessions.state(em, sessionId));
    this.cache.setSession(sessionId, state, readAt);
    return state;
  }

  private async touch(state: SessionState, now: number): Promise<void> {
    const alive = await this.db.run((em) =>
      this.sessions.touch(em, state.sessionId, now, now - this.idleMs),
    );
    if (!alive) {
      this.cache.evict({ sessionId: state.sessionId });
      throw ConsoleError.sessionExpired();
    }
    state.lastSeenAt = now;
  }

  private async end(sessionId: string, now: number): Promise<void> {
    await this.db.transaction(async (em) => {
      await this.sessions.revoke(em, sessionId, now);
      await this.cache.changed(em, { sessionId });
    });
    this.cache.evict({ sessionId });
  }

  private csrfKeys(): Buffer[] {
    // derived from the token signing secrets: stable across restarts and instances, never sent
    this.csrfKeyValues ??= this.keys.signingKeys.map((k) =>
      createHmac('sha256', k.secret).update('paygate console csrf').digest(),
    );
    return this.csrfKeyValues;
  }
}
