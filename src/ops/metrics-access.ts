import { timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config';

/**
 * Who may read /metrics (request counts by route, queue sizes, failures: an attacker's map):
 * - `METRICS_PORT` set: only its own listener on METRICS_HOST (127.0.0.1 by default) serves it,
 *   not the public port;
 * - `METRICS_TOKEN` set: only with `Authorization: Bearer <METRICS_TOKEN>` (on either port);
 * - neither: open in development and test; refused in production.
 */
export type MetricsAccess = 'allowed' | 'unauthenticated' | 'not_here';

export function metricsAccess(
  config: AppConfig,
  authorization: string | undefined,
  onMetricsPort: boolean,
): MetricsAccess {
  const { METRICS_PORT, METRICS_TOKEN } = config.env;
  if (!onMetricsPort && METRICS_PORT !== undefined) return 'not_here';
  if (METRICS_TOKEN)
    return bearerMatches(authorization, METRICS_TOKEN) ? 'allowed' : 'unauthenticated';
  if (onMetricsPort || !config.production) return 'allowed';
  return 'not_here';
}

function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
