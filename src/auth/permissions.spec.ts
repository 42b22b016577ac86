import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ACCESS_ROLES,
  isGranted,
  Permission,
  PERMISSIONS,
  roleTableMarkdown,
  rolesWith,
  SIDE_OF,
} from './permissions';

describe('the role table', () => {
  it('is the table docs/console.md shows', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'console.md'), 'utf8');
    const shown = /<!-- role-table:start -->\n([\s\S]*?)\n<!-- role-table:end -->/.exec(doc)?.[1];
    expect(shown).toBe(roleTableMarkdown());
  });

  it('gives merchant roles nothing that acts beyond their own merchant', () => {
    const operatorOnly: Permission[] = [
      'merchants.create',
      'merchants.list',
      'channels.read',
      'channels.manage',
      'clearing.read',
      'clearing.manage',
      'maintenance.read',
      'maintenance.manage',
      'audit.read',
    ];
    for (const permission of operatorOnly) {
      for (const role of rolesWith(permission))
        expect([permission, SIDE_OF[role]]).toEqual([permission, 'admin']);
    }
  });

  it('lets only owners manage people, and only merchants create payments', () => {
    expect(rolesWith('users.manage')).toEqual(['admin', 'operator_owner', 'merchant_owner']);
    expect(rolesWith('payments.create')).toEqual(['merchant']);
  });

  it('lets viewers only read, and every console role reach its own session', () => {
    const reads = (Object.keys(PERMISSIONS) as Permission[]).filter(
      (p) =>
        p.endsWith('.read') ||
        p.endsWith('.list') ||
        p === 'merchants.self' ||
        p === 'session.self',
    );
    for (const viewer of ['operator_viewer', 'merchant_viewer'] as const) {
      for (const permission of Object.keys(PERMISSIONS) as Permission[]) {
        if (isGranted(viewer, permission)) expect(reads).toContain(permission);
      }
    }
    for (const role of ACCESS_ROLES) {
      expect([role, isGranted(role, 'session.self')]).toEqual([
        role,
        role !== 'admin' && role !== 'merchant',
      ]);
    }
  });
});
