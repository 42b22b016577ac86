import { SetMetadata } from '@nestjs/common';

/**
 * What a caller may do, decided in one place. Every route declares the one permission it needs
 * (`@Permission('payments.refund')`) or is `@Public()`; the role table below says which
 * principals hold it. A principal is an API credential (`admin`, `merchant`) or a person in the
 * web console (`operator_owner` … `merchant_viewer`); both are scoped the same way afterwards
 * (operators see every merchant, a merchant's principals only their own, and another
 * merchant's resources are 404).
 *
 * docs/console.md shows this table; a test keeps the two identical.
 */
export const PERMISSIONS = {
  'payments.create': 'Create payment orders (订单创建)',
  'payments.read': 'Read, list and search orders and their refunds (订单查询)',
  'payments.export': 'Download the orders matching a search as CSV',
  'payments.close': 'Close a pending order',
  'payments.refund': 'Refund an order',
  'payments.sync': "Ask the channel for a pending order's status now (sync now)",
  'merchants.create': 'Create merchants',
  'merchants.list': 'List every merchant',
  'merchants.read': 'Read a merchant (a merchant: only itself)',
  'merchants.self': 'Read the calling merchant (`/v1/merchants/me`)',
  'merchants.update':
    'Change a merchant: operators every field, a merchant only its own notify_url (webhook settings)',
  'credentials.read': "List a merchant's API credentials (never their secrets)",
  'credentials.manage': 'Issue and revoke API credentials',
  'webhooks.manage': 'Rotate the webhook signing secret',
  'events.read': 'Read webhook events and their delivery attempts',
  'events.redeliver': 'Redeliver a webhook event',
  'qr_codes.read': "List a merchant's static codes (商户码)",
  'qr_codes.manage': 'Create, disable and delete static codes (商户码)',
  'bills.read': 'Read bills (账单查询)',
  'bills.download': 'Download bills as CSV',
  'channels.read': 'Read channels and explain routing',
  'channels.manage': 'Add, change and delete channels',
  'clearing.read': 'Read clearing runs, the ledger and reconciliations',
  'clearing.manage': 'Run clearing and reconciliation, reverse and correct journal entries',
  'stats.read': 'Read the dashboard statistics',
  'maintenance.read': 'Read maintenance mode',
  'maintenance.manage': 'Turn maintenance mode on and off',
  'audit.read': 'Read the audit log',
  'users.read': 'List console users',
  'users.manage': 'Create, change and delete console users',
  'session.self':
    "One's own console session: read it, log out, change one's password, two-factor authentication",
} as const;

export type Permission = keyof typeof PERMISSIONS;

/** The rows of the role table. */
export const ACCESS_ROLES = [
  'admin',
  'merchant',
  'operator_owner',
  'operator_admin',
  'operator_viewer',
  'merchant_owner',
  'merchant_finance',
  'merchant_developer',
  'merchant_viewer',
] as const;

export type AccessRole = (typeof ACCESS_ROLES)[number];

/** Which side a role acts for: operators see every merchant, merchants only themselves. */
export const SIDE_OF: Record<AccessRole, 'admin' | 'merchant'> = {
  admin: 'admin',
  merchant: 'merchant',
  operator_owner: 'admin',
  operator_admin: 'admin',
  operator_viewer: 'admin',
  merchant_owner: 'merchant',
  merchant_finance: 'merchant',
  merchant_developer: 'merchant',
  merchant_viewer: 'merchant',
};

const SESSION: Permission[] = ['session.self'];

/** What an operator may read: everything, on every merchant. */
const OPERATOR_READS: Permission[] = [
  'payments.read',
  'merchants.list',
  'merchants.read',
  'credentials.read',
  'events.read',
  'qr_codes.read',
  'bills.read',
  'channels.read',
  'clearing.read',
  'stats.read',
  'maintenance.read',
];

/** Everything an operator can change, but people's accounts. */
const OPERATOR_CHANGES: Permission[] = [
  'payments.export',
  'payments.close',
  'payments.refund',
  'payments.sync',
  'merchants.create',
  'merchants.update',
  'credentials.manage',
  'webhooks.manage',
  'events.redeliver',
  'qr_codes.manage',
  'bills.download',
  'channels.manage',
  'clearing.manage',
  'maintenance.manage',
  'audit.read',
];

/** What every merchant principal may read, on its own merchant. */
const MERCHANT_READS: Permission[] = [
  'payments.read',
  'merchants.read',
  'merchants.self',
  'credentials.read',
  'events.read',
  'qr_codes.read',
  'bills.read',
  'stats.read',
];

const MERCHANT_FINANCE: Permission[] = [
  'payments.export',
  'payments.refund',
  'payments.sync',
  'bills.download',
];
const MERCHANT_DEVELOPER: Permission[] = [
  'merchants.update',
  'credentials.manage',
  'webhooks.manage',
  'events.redeliver',
  'qr_codes.manage',
];

/**
 * The role table. `admin` and `merchant` are API credentials and keep what they could always
 * do (plus the statistics, search and export reads of their own data); console users only have
 * the rows of their scope. Only owners manage people; only merchants' servers create payments.
 */
export const ROLE_TABLE: Record<AccessRole, readonly Permission[]> = {
  admin: [...OPERATOR_READS, ...OPERATOR_CHANGES, 'users.read', 'users.manage'],
  merchant: [
    'payments.create',
    ...MERCHANT_READS,
    'payments.close',
    ...MERCHANT_FINANCE,
    ...MERCHANT_DEVELOPER,
  ],
  operator_owner: [
    ...SESSION,
    ...OPERATOR_READS,
    ...OPERATOR_CHANGES,
    'users.read',
    'users.manage',
  ],
  operator_admin: [...SESSION, ...OPERATOR_READS, ...OPERATOR_CHANGES, 'users.read'],
  operator_viewer: [...SESSION, ...OPERATOR_READS],
  merchant_owner: [
    ...SESSION,
    ...MERCHANT_READS,
    'payments.close',
    ...MERCHANT_FINANCE,
    ...MERCHANT_DEVELOPER,
    'users.read',
    'users.manage',
  ],
  merchant_finance: [...SESSION, ...MERCHANT_READS, ...MERCHANT_FINANCE],
  merchant_developer: [...SESSION, ...MERCHANT_READS, ...MERCHANT_DEVELOPER],
  merchant_viewer: [...SESSION, ...MERCHANT_READS],
};

const GRANTS: Record<AccessRole, ReadonlySet<Permission>> = Object.fromEntries(
  ACCESS_ROLES.map((role) => [role, new Set(ROLE_TABLE[role])]),
) as unknown as Record<AccessRole, ReadonlySet<Permission>>;

export function isGranted(role: AccessRole, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

/** The permissions of a role, in the table's order of permissions. */
export function permissionsOf(role: AccessRole): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((p) => GRANTS[role].has(p));
}

/** The roles holding a permission, in the table's order of roles. */
export function rolesWith(permission: Permission): AccessRole[] {
  return ACCESS_ROLES.filter((role) => GRANTS[role].has(permission));
}

export const PERMISSION = 'paygate:permission';

/** The permission a route needs; principals whose role lacks it get 403 `forbidden`. */
export const Permission = (permission: Permission) => SetMetadata(PERMISSION, permission);

/** The role table as a Markdown table: permissions down, roles across (docs/console.md). */
export function roleTableMarkdown(): string {
  const header = `| permission | ${ACCESS_ROLES.map((r) => `\`${r}\``).join(' | ')} |`;
  const rule = `| --- | ${ACCESS_ROLES.map(() => ':-:').join(' | ')} |`;
  const rows = (Object.entries(PERMISSIONS) as [Permission, string][]).map(
    ([permission, what]) =>
      `| \`${permission}\`: ${what} | ${ACCESS_ROLES.map((r) => (GRANTS[r].has(permission) ? '✓' : '')).join(' | ')} |`,
  );
  return [header, rule, ...rows].join('\n');
}
