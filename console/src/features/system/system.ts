/**
 * What the System page says about the service's monitoring endpoints, read from how this port
 * answers (docs/operations.md, "Metrics and health"): /metrics open, behind METRICS_TOKEN, or
 * not served on this port (METRICS_PORT elsewhere, or production without either setting).
 */
export type MetricsAvailability = 'open' | 'token' | 'elsewhere' | 'unknown';

export function metricsAvailability(status: number): MetricsAvailability {
  if (status >= 200 && status < 300) return 'open';
  if (status === 401) return 'token';
  if (status === 404) return 'elsewhere';
  return 'unknown';
}

/** The API version from the OpenAPI document, or null when it is not served (DOCS_ENABLED=false). */
export function openApiVersion(document: unknown): string | null {
  if (typeof document !== 'object' || document === null) return null;
  const info = (document as { info?: { version?: unknown } }).info;
  return typeof info?.version === 'string' && info.version !== '' ? info.version : null;
}

/** Retry-After seconds as the API takes them: a whole number from 1 to 86400. */
export function retryAfterSeconds(value: number | null | undefined): number | null {
  if (typeof value !== 'number' || !Number.isInteger(value)) return null;
  return value >= 1 && value <= 86_400 ? value : null;
}
