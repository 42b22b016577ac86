import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { CredentialState } from './credentials.repository';

const CHANNEL = 'paygate_auth';
/** A safety net only: changes are pushed, so entries are normally evicted the moment they change. */
const TTL_MS = 60_000;
const RECONNECT_MS = 1000;

/**
 * What changed: a credential, a merchant (all its credentials and console sessions), a console
 * user (all their sessions) or one console session.
 */
export type CredentialChange =
  { clientId: string } | { sourceId: number } | { userId: string } | { sessionId: string };

/** What the cache keeps: a credential's or a console session's state, and whose it is. */
export interface CachedState {
  sourceId: number | null;
  userId?: string;
}

interface Entry {
  state: CachedState | null;
  at: number;
}

const SESSION_KEY = 'session:';

/**
 * Every authenticated request needs its credential's current state (revoked? merchant
 * suspended?). Reading it from the database each time doubles the cost of a simple query, so
 * each instance keeps it in memory, and every change is pushed to every instance:
 *
 * - the change publishes `pg_notify('paygate_auth', …)` in its own transaction, so the
 *   notification is delivered when, and only if, the change commits; each instance LISTENs on
 *   a dedicated connection and evicts the entry at once;
 * - while that connection is down the cache is bypassed (every request reads the database),
 *   and it is emptied when the connection comes back, so no instance ever trusts a state it
 *   could have missed a change for.
 *
 * On SQLite (one process) the instance that makes the change evicts the entry itself.
 *
 * Console sessions are principals too, and are kept here the same way: a disabled user, a
 * changed password, a logout or a suspended merchant ends the session on every instance at once.
 */
@Injectable()
export class CredentialStateCache implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CredentialStateCache.name);
  private readonly entries = new Map<string, Entry>();
  /**
   * When each credential or session / merchant / user was last evicted: a read that began
   * before it is not cached.
   */
  private readonly evictedKeys = new Map<string, number>();
  private readonly evictedMerchants = new Map<number, number>();
  private readonly evictedUsers = new Map<string, number>();
  private clearedAt = 0;
  private listener?: Client;
  private live: boolean;
  private closing = false;
  private reconnect?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly db: Database,
  ) {
    this.live = config.databaseEngine === 'sqlite';
  }

  async onModuleInit(): Promise<void> {
    if (this.config.databaseEngine === 'postgres') await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnect);
    await this.listener?.end().catch(() => undefined);
  }

  /** The cached state, or undefined when it must be read (absent, expired, or the cache is off). */
  get(clientId: string): CredentialState | null | undefined {
    return this.read(clientId) as CredentialState | null | undefined;
  }

  set(clientId: string, state: CredentialState | null, readAt: number): void {
    this.write(clientId, state, readAt);
  }

  /** A console session's cached state, as `get` (keyed by the session's id). */
  getSession<T extends CachedState>(sessionId: string): T | null | undefined {
    return this.read(SESSION_KEY + sessionId) as T | null | undefined;
  }

  setSession<T extends CachedState>(sessionId: string, state: T | null, readAt: number): void {
    this.write(SESSION_KEY + sessionId, state, readAt);
  }

  private read(key: string): CachedState | null | undefined {
    if (!this.live) return undefined;
    const entry = this.entries.get(key);
    if (!entry || Date.now() - entry.at > TTL_MS) return undefined;
    return entry.state;
  }

  private write(key: string, state: CachedState | null, readAt: number): void {
    if (!this.live || readAt <= this.clearedAt || readAt <= (this.evictedKeys.get(key) ?? 0))
      return;
    if (state?.sourceId != null && readAt <= (this.evictedMerchants.get(state.sourceId) ?? 0))
      return;
    if (state?.userId !== undefined && readAt <= (this.evictedUsers.get(state.userId) ?? 0)) return;
    this.entries.set(key, { state, at: readAt });
  }

  /**
   * Announces a change in the caller's transaction (all instances evict after commit) and
   * evicts it here at once.
   */
  async changed(em: EntityManager, change: CredentialChange): Promise<void> {
    this.evict(change);
    if (this.db.engine === 'postgres') {
      await Database.sql(em, `SELECT pg_notify(:channel, :payload)`, {
        channel: CHANNEL,
        payload: JSON.stringify(change),
      });
    }
  }

  /** After the change committed: evict again, in case a request re-read the old state meanwhile. */
  evict(change: CredentialChange): void {
    const now = Date.now();
    this.forgetOldEvictions(now);
    if ('clientId' in change || 'sessionId' in change) {
      const key = 'clientId' in change ? change.clientId : SESSION_KEY + change.sessionId;
      this.evictedKeys.set(key, now);
      this.entries.delete(key);
      return;
    }
    if ('userId' in change) {
      this.evictedUsers.set(change.userId, now);
      for (const [key, entry] of this.entries) {
        if (entry.state?.userId === change.userId) this.entries.delete(key);
      }
      return;
    }
    this.evictedMerchants.set(change.sourceId, now);
    for (const [key, entry] of this.entries) {
      if (entry.state?.sourceId === change.sourceId) this.entries.delete(key);
    }
  }

  /**
   * An eviction only has to outlive the reads under way when it happened; logouts add one per
   * session, so old ones are dropped rather than kept for the life of the process.
   */
  private forgetOldEvictions(now: number): void {
    for (const map of [this.evictedKeys, this.evictedMerchants, this.evictedUsers] as Map<
      unknown,
      number
    >[]) {
      if (map.size < 1000) continue;
      for (const [key, at] of map) if (now - at > TTL_MS) map.delete(key);
    }
  }

  private clear(): void {
    this.clearedAt = Date.now();
    this.entries.clear();
  }

  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.config.env.DATABASE_URL,
      application_name: 'paygate-auth-listener',
    });
    client.on('notification', (message) => {
      try {
        this.evict(JSON.parse(message.payload ?? '{}') as CredentialChange);
      } catch {
        this.clear();
      }
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.listener = client;
      this.clear();
      this.live = true;
    } catch (error) {
      this.logger.warn(
        { err: error },
        'credential change listener not connected; reading credentials from the database',
      );
      this.lost(client);
    }
  }

  private lost(client: Client): void {
    if (this.listener && this.listener !== client) return;
    this.live = false;
    this.clear();
    this.listener = undefined;
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    if (this.closing || this.reconnect) return;
    this.reconnect = setTimeout(() => {
      this.reconnect = undefined;
      if (!this.closing) void this.listen();
    }, RECONNECT_MS);
    this.reconnect.unref();
  }
}
