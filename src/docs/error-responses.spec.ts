import fc from 'fast-check';
import { Permission, PERMISSIONS } from '../auth/permissions';
import { ERROR_CATALOGUE, ErrorReason } from '../common/errors/error-catalogue';
import {
  errorExamples,
  errorReasonsFor,
  errorResponses,
  OperationShape,
  RouteTraits,
} from './error-responses';

const shape = (overrides: Partial<OperationShape> = {}): OperationShape => ({
  path: '/v1/things',
  method: 'POST',
  hasBody: false,
  hasQuery: false,
  hasCursor: false,
  hasPathParams: false,
  ...overrides,
});
const traits = (overrides: Partial<RouteTraits> = {}): RouteTraits => ({
  isPublic: false,
  console: false,
  idempotent: false,
  rateLimited: true,
  allowedDuringMaintenance: false,
  domain: [],
  errorPages: false,
  ...overrides,
});

describe('error reasons of a route', () => {
  it('a creating merchant route: validation, token, idempotency, rate limit, maintenance and its own', () => {
    const reasons = errorReasonsFor(
      shape({ hasBody: true }),
      traits({
        permission: 'payments.create',
        roles: ['merchant'],
        idempotent: true,
        domain: ['no_channel_available'],
      }),
    );
    expect(reasons).toEqual([
      'validation_failed',
      'malformed_body',
      'invalid_idempotency_key',
      'unauthenticated',
      'token_expired',
      'token_revoked',
      'merchant_suspended',
      'forbidden',
      'not_acceptable',
      'idempotency_in_progress',
      'payload_too_large',
      'unsupported_media_type',
      'no_channel_available',
      'idempotency_key_reused',
      'rate_limited',
      'internal_error',
      'unavailable',
      'maintenance',
    ]);
  });

  it('a public route needs no token; an admin-only route is not stopped by maintenance', () => {
    const open = errorReasonsFor(shape(), traits({ isPublic: true, rateLimited: false }));
    expect(open).toEqual(['not_acceptable', 'internal_error', 'unavailable', 'maintenance']);
    const admin = errorReasonsFor(shape(), traits({ permission: 'channels.manage' }));
    expect(admin).toContain('forbidden');
    expect(admin).not.toContain('maintenance');
    const outside = errorReasonsFor(shape({ path: '/health/ready' }), traits({ isPublic: true }));
    expect(outside).not.toContain('maintenance');
  });

  it('a route console sessions may call: session ended, CSRF on changes, a pending password change', () => {
    const change = errorReasonsFor(
      shape({ method: 'POST' }),
      traits({ permission: 'payments.refund', console: true }),
    );
    expect(change).toEqual(
      expect.arrayContaining(['session_expired', 'csrf_failed', 'password_change_required']),
    );
    const read = errorReasonsFor(
      shape({ method: 'GET' }),
      traits({ permission: 'payments.read', console: true }),
    );
    expect(read).toContain('session_expired');
    expect(read).not.toContain('csrf_failed');
    const own = errorReasonsFor(
      shape({ method: 'PUT' }),
      traits({ permission: 'session.self', console: true }),
    );
    expect(own).toContain('csrf_failed');
    expect(own).not.toContain('password_change_required');
    const token = errorReasonsFor(shape(), traits({ permission: 'payments.create' }));
    expect(token).not.toContain('session_expired');
  });

  it('always lists each reason once, ordered by status, with every domain reason kept', () => {
    const reasons = Object.keys(ERROR_CATALOGUE) as ErrorReason[];
    fc.assert(
      fc.property(
        fc.record({
          hasBody: fc.boolean(),
          hasQuery: fc.boolean(),
          hasCursor: fc.boolean(),
          hasPathParams: fc.boolean(),
          path: fc.constantFrom('/v1/x', '/health/x', '/sandbox/x'),
          method: fc.constantFrom('GET', 'POST', 'DELETE'),
        }),
        fc.record({
          isPublic: fc.boolean(),
          console: fc.boolean(),
          permission: fc.option(fc.constantFrom(...(Object.keys(PERMISSIONS) as Permission[])), {
            nil: undefined,
          }),
          roles: fc.option(fc.subarray(['admin', 'merchant'] as const), { nil: undefined }),
          idempotent: fc.boolean(),
          rateLimited: fc.boolean(),
          allowedDuringMaintenance: fc.boolean(),
          domain: fc.array(fc.constantFrom(...reasons)),
        }),
        (s, t) => {
          const out = errorReasonsFor(s, {
            ...t,
            roles: t.roles ? [...t.roles] : undefined,
            errorPages: false,
          });
          expect(new Set(out).size).toBe(out.length);
          const statuses = out.map((r) => ERROR_CATALOGUE[r].status);
          expect(statuses).toEqual([...statuses].sort((a, b) => a - b));
          for (const reason of t.domain) expect(out).toContain(reason);
          expect(out).toContain('internal_error');
        },
      ),
    );
  });

  it('become one response per status, each reason with both messages and an example', () => {
    const responses = errorResponses([
      'invalid_state',
      'duplicate_merchant_order_no',
      'rate_limited',
    ]);
    expect(Object.keys(responses)).toEqual(['409', '429']);
    expect(responses['409'].description).toContain('`invalid_state`');
    expect(responses['409'].description).toContain(ERROR_CATALOGUE.duplicate_merchant_order_no.zh);
    const examples = responses['409'].content!['application/json'].examples!;
    expect(Object.keys(examples)).toEqual(['invalid_state', 'duplicate_merchant_order_no']);
    expect(examples.invalid_state).toEqual({ $ref: '#/components/examples/invalid_state' });
    expect(errorExamples().invalid_state).toMatchObject({
      value: { code: '409', reason: 'invalid_state', message: ERROR_CATALOGUE.invalid_state.en },
    });
  });
});
