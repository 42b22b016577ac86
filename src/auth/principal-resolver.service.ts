import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';
import { AuthError } from './auth.errors';
import { CredentialStateCache } from './credential-state-cache';
import { CredentialsRepository } from './credentials.repository';
import { Principal, Role } from './principal';

/**
 * Turns verified token claims into the caller, checking the credential's state now: a revoked
 * credential's tokens stop working the moment it is revoked, a suspended merchant's get 403.
 */
@Injectable()
export class PrincipalResolver {
  constructor(
    private readonly db: Database,
    private readonly credentials: CredentialsRepository,
    private readonly cache: CredentialStateCache,
  ) {}

  async resolve(clientId: string, role: Role, sourceId: number | null): Promise<Principal> {
    let state = this.cache.get(clientId);
    if (state === undefined) {
      const readAt = Date.now();
      state = await this.db.run((em) => this.credentials.state(em, clientId));
      this.cache.set(clientId, state, readAt);
    }
    if (!state || state.role !== role || state.sourceId !== sourceId)
      throw AuthError.unauthenticated();
    if (state.status !== 'active') throw AuthError.tokenRevoked();
    if (role === 'merchant' && state.merchantStatus !== 'active')
      throw AuthError.merchantSuspended();
    return { clientId, role, sourceId, access: role };
  }
}
