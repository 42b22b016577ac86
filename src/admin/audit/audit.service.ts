import { Injectable, Logger } from '@nestjs/common';
import { Principal } from '../../auth/principal';
import { newId } from '../../common/ids';
import { scrubSecrets } from '../../common/logging/logging';
import { Page, toPage } from '../../common/pagination/pagination';
import { iso } from '../../common/time';
import { Database } from '../../database/database.service';
import { AuditRepository } from './audit.repository';
import { AuditLogDto, ListAuditLogsQueryDto } from './dto/audit-log.dto';
import { AuditLogEntity } from './entities/audit-log.entity';
import { decodeCursor } from '../../common/pagination/pagination';

export interface AuditEvent {
  principal?: Principal;
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
    const detail =
      event.detail === undefined
        ? null
        : JSON.stringify(scrubSecrets(event.detail)).slice(0, MAX_DETAIL);
    const row: AuditLogEntity = {
      id: newId('aud'),
      actorClientId: event.principal?.clientId ?? null,
      actorRole: event.principal?.role ?? null,
      action: event.action,
      targetType: event.targetType,
      targetId: event.targetId,
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

  async list(query: ListAuditLogsQueryDto): Promise<Page<AuditLogDto>> {
    const limit = query.limit ?? 20;
    const before = decodeCursor(query.cursor);
    const rows = await this.db.run((em) =>
      this.audit.list(em, {
        action: query.action,
        actorClientId: query.actor_client_id,
        targetType: query.target_type,
        targetId: query.target_id,
        before: before === undefined ? undefined : String(before),
        limit,
      }),
    );
    return toPage(rows, limit, (r) => r.id, toAuditLogDto);
  }
}

function toAuditLogDto(row: AuditLogEntity): AuditLogDto {
  return {
    id: row.id,
    actor_client_id: row.actorClientId,
    actor_role: row.actorRole,
    action: row.action,
    target_type: row.targetType,
    target_id: row.targetId,
    result: row.result,
    reason: row.reason,
    ip: row.ip,
    request_id: row.requestId,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as unknown),
    created_at: iso(row.createdAt),
  };
}
