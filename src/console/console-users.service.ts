import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CredentialStateCache } from '../auth/credential-state-cache';
import { Principal } from '../auth/principal';
import { AppError } from '../common/errors/app-error';
import { newId } from '../common/ids';
import { decodeCursor, toPage } from '../common/pagination/pagination';
import { iso } from '../common/time';
import { isUniqueViolation } from '../database/database-errors';
import { Database } from '../database/database.service';
import { MerchantError } from '../merchants/merchants.errors';
import { MerchantsRepository } from '../merchants/merchants.repository';
import { ConsoleError } from './console.errors';
import { ConsoleSessionsRepository } from './console-sessions.repository';
import { ConsoleUserChanges, ConsoleUsersRepository } from './console-users.repository';
import {
  ConsoleUserDto,
  ConsoleUserPageDto,
  CreateConsoleUserDto,
  ListConsoleUsersQueryDto,
  UpdateConsoleUserDto,
} from './dto/console-user.dto';
import {
  ConsoleRole,
  ConsoleScope,
  ConsoleUserEntity,
  MERCHANT_ROLES,
  newConsoleUser,
  OPERATOR_ROLES,
} from './entities/console-user.entity';
import { checkPasswordPolicy, hashPassword } from './passwords';

/**
 * People's console accounts. Operators create operators and each merchant's first owner; a
 * merchant's owners manage that merchant's people (anyone else's are 404 to them). Every side
 * keeps at least one active owner, and nobody changes their own role or status or deletes
 * themselves. Disabling a user, resetting their password or deleting them ends their sessions
 * at once on every instance; a new role applies to their open sessions at once.
 */
@Injectable()
export class ConsoleUsersService {
  constructor(
    private readonly db: Database,
    private readonly users: ConsoleUsersRepository,
    private readonly sessions: ConsoleSessionsRepository,
    private readonly merchants: MerchantsRepository,
    private readonly cache: CredentialStateCache,
  ) {}

  async createUser(principal: Principal, dto: CreateConsoleUserDto): Promise<ConsoleUserDto> {
    const sourceId = dto.scope === 'merchant' ? (dto.source_id ?? null) : null;
    checkScope(dto.scope, dto.role, dto.source_id);
    if (principal.role === 'merchant') {
      if (dto.scope !== 'merchant') throw AppError.forbidden();
      if (sourceId !== principal.sourceId) throw MerchantError.merchantNotFound();
    } else if (dto.scope === 'merchant' && dto.role !== 'owner') {
      // operators create a merchant's owner; the owner adds the rest of its staff
      throw AppError.forbidden();
    }
    checkPasswordPolicy(dto.password, dto.email);
    const passwordHash = await hashPassword(dto.password);
    const now = Date.now();
    const user = newConsoleUser(
      {
        userId: newId('usr'),
        email: dto.email,
        name: dto.name,
        scope: dto.scope,
        sourceId,
        role: dto.role,
        passwordHash,
        mustChangePassword: true,
      },
      now,
    );
    try {
      await this.db.transaction(async (em) => {
        if (sourceId !== null && !(await this.merchants.findBySourceId(em, sourceId)))
          throw MerchantError.merchantNotFound();
        await this.users.insert(em, user);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw ConsoleError.emailTaken();
      throw error;
    }
    return toConsoleUserDto(user);
  }

  async listUsers(
    principal: Principal,
    query: ListConsoleUsersQueryDto,
  ): Promise<ConsoleUserPageDto> {
    const limit = query.limit ?? 20;
    const before = decodeCursor(query.cursor, 'text');
    const own = principal.role === 'merchant';
    if (own && query.source_id !== undefined && query.source_id !== principal.sourceId)
      throw MerchantError.merchantNotFound();
    const rows = await this.db.run((em) =>
      this.users.list(em, {
        scope: own ? 'merchant' : query.scope,
        sourceId: own ? (principal.sourceId ?? -1) : query.source_id,
        status: query.status,
        beforeUserId: before === undefined ? undefined : String(before),
        limit,
      }),
    );
    return toPage(rows, limit, (u) => u.userId, toConsoleUserDto);
  }

  async updateUser(
    principal: Principal,
    userId: string,
    dto: UpdateConsoleUserDto,
  ): Promise<ConsoleUserDto> {
    const self = principal.user?.userId === userId;
    if (self && (dto.role !== undefined || dto.status !== undefined || dto.password !== undefined))
      throw ConsoleError.ownAccount();
    const target = await this.db.run((em) => this.readable(em, principal, userId));
    if (dto.role !== undefined) checkScope(target.scope, dto.role, target.sourceId ?? undefined);
    if (dto.password !== undefined) checkPasswordPolicy(dto.password, target.email);
    const now = Date.now();
    const changes: ConsoleUserChanges = {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.role !== undefined ? { role: dto.role } : {}),
      ...(dto.status !== undefined ? { status: dto.status } : {}),
      ...(dto.password !== undefined
        ? {
            passwordHash: await hashPassword(dto.password),
            mustChangePassword: true,
            passwordChangedAt: now,
          }
        : {}),
      ...(dto.totp_enabled === false
        ? { totpSecret: null, totpPendingSecret: null, totpEnabledAt: null, totpLastStep: null }
        : {}),
    };
    const endsSessions = dto.status === 'disabled' || dto.password !== undefined;
    const updated = await this.db.transaction(async (em) => {
      const user = await this.readable(em, principal, userId);
      const losesOwner =
        user.role === 'owner' &&
        user.status === 'active' &&
        ((dto.role !== undefined && dto.role !== 'owner') || dto.status === 'disabled');
      if (losesOwner) await this.keepAnOwner(em, user);
      await this.users.update(em, userId, changes, now);
      if (dto.totp_enabled === false) await this.users.replaceRecoveryCodes(em, userId, [], now);
      if (endsSessions) await this.sessions.revokeAllOfUser(em, userId, now);
      await this.cache.changed(em, { userId });
      return (await this.users.findById(em, userId)) ?? user;
    });
    this.cache.evict({ userId });
    return toConsoleUserDto(updated);
  }

  async deleteUser(principal: Principal, userId: string): Promise<ConsoleUserDto> {
    if (principal.user?.userId === userId) throw ConsoleError.ownAccount();
    const deleted = await this.db.transaction(async (em) => {
      const user = await this.readable(em, principal, userId);
      if (user.role === 'owner' && user.status === 'active') await this.keepAnOwner(em, user);
      await this.users.delete(em, userId);
      await this.cache.changed(em, { userId });
      return user;
    });
    this.cache.evict({ userId });
    return toConsoleUserDto(deleted);
  }

  /** The user, if this caller may see it: operators all, a merchant only its own (else 404). */
  private async readable(
    em: EntityManager,
    principal: Principal,
    userId: string,
  ): Promise<ConsoleUserEntity> {
    const user = await this.users.findById(em, userId);
    if (!user) throw ConsoleError.userNotFound();
    if (principal.role === 'merchant' && user.sourceId !== principal.sourceId)
      throw ConsoleError.userNotFound();
    return user;
  }

  /** Refuses a change that would leave the user's side without an active owner. */
  private async keepAnOwner(em: EntityManager, user: ConsoleUserEntity): Promise<void> {
    const owners = await this.users.activeOwners(em, user.sourceId);
    if (owners.filter((id) => id !== user.userId).length === 0) {
      throw ConsoleError.lastOwner(
        user.sourceId === null ? 'the operators' : `merchant ${user.sourceId}`,
      );
    }
  }
}

/** The role must be one of the scope's, and only merchant users name a merchant. */
function checkScope(scope: ConsoleScope, role: ConsoleRole, sourceId: number | undefined): void {
  const roles: readonly string[] = scope === 'operator' ? OPERATOR_ROLES : MERCHANT_ROLES;
  if (!roles.includes(role)) {
    throw AppError.validation([
      { field: 'role', message: `role must be one of ${roles.join(', ')} for scope ${scope}` },
    ]);
  }
  if (scope === 'merchant' && sourceId === undefined) {
    throw AppError.validation([
      { field: 'source_id', message: 'source_id is required for scope merchant' },
    ]);
  }
  if (scope === 'operator' && sourceId !== undefined) {
    throw AppError.validation([
      { field: 'source_id', message: 'source_id is only for scope merchant' },
    ]);
  }
}

export function toConsoleUserDto(u: ConsoleUserEntity): ConsoleUserDto {
  return {
    user_id: u.userId,
    email: u.email,
    name: u.name,
    scope: u.scope,
    role: u.role,
    source_id: u.sourceId,
    status: u.status,
    must_change_password: u.mustChangePassword,
    totp_enabled: u.totpEnabledAt !== null,
    last_login_at: iso(u.lastLoginAt),
    created_at: iso(u.createdAt),
    updated_at: iso(u.updatedAt),
  };
}
