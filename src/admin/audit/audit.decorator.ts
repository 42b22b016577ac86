import { SetMetadata } from '@nestjs/common';

export const AUDIT = 'paygate:audit';

export interface AuditSpec {
  action: string;
  targetType: string;
  /** Route parameter naming the target (e.g. `source_id`). */
  param?: string;
  /** Field of the response naming the target when the action creates it. */
  resultField?: string;
}

/**
 * The route is an admin action or credential change: each call, successful or refused,
 * appends an audit row (who, what, target, when, from where, result).
 */
export const Audit = (
  action: string,
  targetType: string,
  target: { param?: string; resultField?: string } = {},
) => SetMetadata(AUDIT, { action, targetType, ...target } satisfies AuditSpec);
