import { SetMetadata } from '@nestjs/common';
import type { Role } from '../../auth/principal';

export const AUDIT = 'paygate:audit';

export interface AuditSpec {
  action: string;
  targetType: string;
  /** Route parameter naming the target (e.g. `source_id`). */
  param?: string;
  /** Field of the response naming the target when the action creates it. */
  resultField?: string;
  /** Fields of the response kept with the request's in the row's detail (e.g. a new client_id). */
  resultDetail?: string[];
  /** Only calls by these roles are audited (e.g. an admin refunding a merchant's order). */
  roles?: Role[];
}

/**
 * The route is an admin action or credential change: each call, successful or refused,
 * appends an audit row (who, what, target, when, from where, result).
 */
export const Audit = (
  action: string,
  targetType: string,
  target: { param?: string; resultField?: string; resultDetail?: string[]; roles?: Role[] } = {},
) => SetMetadata(AUDIT, { action, targetType, ...target } satisfies AuditSpec);
