/** Classifies driver errors the same way on PostgreSQL and SQLite. */

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
]);

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection refused',
  'the database system is',
  'database is locked',
  'terminating connection',
];

function driverError(error: unknown): { code?: unknown; message?: unknown } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { driverError?: unknown };
  return (e.driverError ?? error) as { code?: unknown; message?: unknown };
}

/** The database cannot be reached or is locked: worth a 503 and a retry, not a 500. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const d = driverError(error);
  if (!d) return false;
  const code = typeof d.code === 'string' ? d.code : '';
  if (UNAVAILABLE_CODES.has(code) || code.startsWith('SQLITE_BUSY')) return true;
  const message = [d.message, (error as { message?: unknown }).message]
    .filter((m): m is string => typeof m === 'string')
    .join(' ');
  return UNAVAILABLE_MESSAGES.some((m) => message.includes(m));
}

/** A unique or primary-key constraint refused the write. */
export function isUniqueViolation(error: unknown): boolean {
  const d = driverError(error);
  const code = typeof d?.code === 'string' ? d.code : '';
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
