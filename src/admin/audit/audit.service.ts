import { ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { Principal } from '../../auth/principal';
import { ErrorReason } from '../../common/errors/error-catalogue';
import { routePatterns } from '../../common/http/route-metadata';
import { newId } from '../../common/ids';
import { scrubSecrets } from '../../common/logging/logging';
import { Page, toPage } from '../../common/pagination/pagination';
import { iso } from '../../common/time';
import { Database } from '../../database/database.service';
import { AUDIT, AuditSpec } from './audit.decorator';
import { AuditRepository } from './audit.repository';
import { AuditLogDto, ListAuditLogsQueryDto } from './dto/audit-log.dto';
import { AuditLogEntity } from './entities/audit-log.entity';
import { decodeCursor } from '../../common/pagination/pagination';

export interface AuditEvent {
  principal?: Principal;
  /** Who, when no principal says it (a console login names the email it was tried for). */
  actorEmail?: string;
  actorRole?: string;
  action: string;
  targetType: string;
  targetId: string | null;
  result: 'success' | 'failure';
  reason?: string;
  ip?: string;
  requestId?: string;
  detail?: unknown;
}

const MAX_DETAIL = 4000;

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(
    private readonly db: Database,
    private readonly audit: AuditRepository,
  ) {}

  async record(event: AuditEvent): Promise<void> {
    const detail = auditDetail(event.detail);
    const row: AuditLogEntity = {
      id: newId('aud'),
      actorClientId: event.principal?.clientId ?? null,
      actorRole: event.actorRole ?? event.principal?.access ?? null,
      actorEmail: (event.actorEmail ?? event.principal?.user?.email ?? null)?.slice(0, 254) ?? null,
      action: event.action,
      targetType: event.targetType,
      // a refused request's path parameter may hold U+0000, which PostgreSQL cannot store:
      // the attempt is still written down
      targetId: event.targetId?.replaceAll('\u0000', '\uFFFD') ?? null,
      result: event.result,
      reason: event.reason ?? null,
      ip: event.ip ?? null,
      requestId: event.requestId ?? null,
      detail,
      createdAt: Date.now(),
    };
    try {
      await this.db.run((em) => this.audit.insert(em, row));
    } catch (error) {
      // the action itself already happened; losing its audit row must at least be loud
      this.logger.error(
        { err: error, audit: { ...row, detail: undefined } },
        'audit row could not be written',
      );
    }
  }

  /**
   * A request refused before its handler ran (a merchant credential on an admin route): the
   * route's audit action when it has one, else `access.denied` naming the route that matched.
   */
  async recordRefusal(context: ExecutionContext, reason: ErrorReason): Promise<void> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const spec = Reflect.getMetadata(AUDIT, context.getHandler()) as AuditSpec | undefined;
    const params = (request.params ?? {}) as Record<string, string>;
    const route = `${request.method} ${routePatterns(context)[0] ?? ''}`;
    await this.record({
      principal: request.principal,
      action: spec?.action ?? 'access.denied',
      targetType: spec?.targetType ?? 'route',
      targetId: spec ? (spec.param ? (params[spec.param] ?? null) : null) : route,
      result: 'failure',
      reason,
      ip: request.ip,
      requestId: request.id,
      detail: request.body ?? undefined,
    });
  }

  async list(query: ListAuditLogsQueryDto): Promise<Page<AuditLogDto>> {
    const limit = query.limit ?? 20;
    const before = decodeCursor(query.cursor, 'text');
    const rows = await this.db.run((em) =>
      this.audit.list(em, {
        action: query.action,
        actorClientId: query.actor_client_id,
        actorEmail: query.actor_email?.toLowerCase(),
        targetType: query.target_type,
        targetId: query.target_id,
        before,
        limit,
      }),
    );
    return toPage(rows, limit, (r) => r.id, toAuditLogDto);
  }
}

/**
 * The request's fields as stored on the audit row: JSON of at most MAX_DETAIL characters that
 * always parses back. Long values are cut, never the JSON text (a cut text made every page
 * holding that row fail). A body that is not an object has no fields: null.
 */
export function auditDetail(body: unknown): string | null {
  // an array, or a JSON number boxed by the body parser, has no fields
  if (Object.prototype.toString.call(body) !== '[object Object]') return null;
  const scrubbed = scrubSecrets(body);
  const full = JSON.stringify(scrubbed);
  if (full.length <= MAX_DETAIL) return full;
  const shortened = JSON.stringify(shorten(scrubbed, 0));
  if (shortened.length <= MAX_DETAIL) return shortened;
  const fields: string[] = [];
  for (const key of Object.keys(body as object).slice(0, 40)) {
    if (JSON.stringify({ truncated: true, fields: [...fields, key] }).length > MAX_DETAIL) break;
    fields.push(key.slice(0, 64));
  }
  return JSON.stringify({ truncated: true, fields });
}

function shorten(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 4) return '…';
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => shorten(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value)
      .slice(0, 40)
      .map(([k, v]) => [k.slice(0, 64), shorten(v, depth + 1)]),
  );
}

function toAuditLogDto(row: AuditLogEntity): AuditLogDto {
  return {
    id: row.id,
    actor_client_id: row.actorClientId,
    actor_role: row.actorRole,
    actor_email: row.actorEmail,
    action: row.action,
    target_type: row.targetType,
    target_id: row.targetId,
    result: row.result,
    reason: row.reason,
    ip: row.ip,
    request_id: row.requestId,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
    created_at: iso(row.createdAt),
  };
}
