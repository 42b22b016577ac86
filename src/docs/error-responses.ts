import { INestApplication, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import {
  ExampleObject,
  OperationObject,
  ParameterObject,
  ResponseObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { THROTTLER_SKIP } from '@nestjs/throttler/dist/throttler.constants';
import { getMetadataStorage } from 'class-validator';
import { ALLOW_DURING_MAINTENANCE } from '../admin/maintenance/maintenance.decorator';
import { ACCESS_ROLES, Permission, PERMISSION, rolesWith, SIDE_OF } from '../auth/permissions';
import { Role } from '../auth/principal';
import { IS_PUBLIC } from '../common/auth/public.decorator';
import { ERROR_CATALOGUE, ErrorReason } from '../common/errors/error-catalogue';
import { IDEMPOTENT } from '../common/idempotency/idempotent.decorator';
import { IS_CURRENCY_CODE, IS_MINOR_UNITS } from '../common/validation/decorators';
import { ERROR_PAGE } from '../common/http/route-metadata';
import { API_ERRORS } from './api-errors.decorator';

/** What a route's decorators say about the errors it can answer with. */
export interface RouteTraits {
  isPublic: boolean;
  /** The permission the route needs (see src/auth/permissions.ts). */
  permission?: Permission;
  /** The API credentials (`admin`, `merchant`) whose role holds that permission. */
  roles?: Role[];
  /** Console sessions may call it: some console role holds the permission. */
  console: boolean;
  idempotent: boolean;
  /** Under the per-credential rate limit (everything but `@SkipThrottle()` routes). */
  rateLimited: boolean;
  allowedDuringMaintenance: boolean;
  /** `@ApiErrors(...)`: the reasons its service throws. */
  domain: ErrorReason[];
  /** A page people open in a browser: its errors are pages too (`ErrorPageFor`). */
  errorPages: boolean;
}

/** What the OpenAPI operation itself says: where it takes input from. */
export interface OperationShape {
  path: string;
  /** Upper case. */
  method: string;
  hasBody: boolean;
  hasQuery: boolean;
  hasCursor: boolean;
  /** Path parameters are validated too (e.g. no NUL character). */
  hasPathParams: boolean;
}

/**
 * Every reason a route can answer with: the ones its kind of route shares, from the same
 * metadata the guards and interceptors read, plus its domain reasons. Ordered by status, the
 * domain reasons first within each, without duplicates.
 */
export function errorReasonsFor(shape: OperationShape, traits: RouteTraits): ErrorReason[] {
  // the route's own reasons lead within their status: they say most about this operation
  const reasons: ErrorReason[] = [...traits.domain];
  if (shape.hasBody || shape.hasQuery || shape.hasPathParams) reasons.push('validation_failed');
  if (shape.hasBody) reasons.push('malformed_body', 'payload_too_large', 'unsupported_media_type');
  if (shape.hasCursor) reasons.push('invalid_cursor');
  if (!traits.isPublic) reasons.push('unauthenticated', 'token_expired', 'token_revoked');
  if (!traits.isPublic) reasons.push('merchant_suspended');
  if (traits.console) reasons.push('session_expired');
  if (traits.permission && rolesWith(traits.permission).length < ACCESS_ROLES.length) {
    reasons.push('forbidden');
  }
  if (traits.console && !['GET', 'HEAD'].includes(shape.method)) reasons.push('csrf_failed');
  if (traits.console && traits.permission !== 'session.self') {
    reasons.push('password_change_required');
  }
  if (traits.idempotent) {
    reasons.push('invalid_idempotency_key', 'idempotency_in_progress', 'idempotency_key_reused');
  }
  if (traits.rateLimited) reasons.push('rate_limited');
  // every route answers 406 when Accept excludes what it produces
  reasons.push('not_acceptable', 'internal_error', 'unavailable');
  // operators are let through maintenance: a route only they may call never answers it
  const adminOnly =
    traits.permission !== undefined &&
    rolesWith(traits.permission).every((role) => SIDE_OF[role] === 'admin');
  if (shape.path.startsWith('/v1/') && !traits.allowedDuringMaintenance && !adminOnly) {
    reasons.push('maintenance');
  }
  const unique = [...new Set(reasons)];
  return unique
    .map((reason, index) => ({ reason, index }))
    .sort(
      (a, b) =>
        ERROR_CATALOGUE[a.reason].status - ERROR_CATALOGUE[b.reason].status || a.index - b.index,
    )
    .map(({ reason }) => reason);
}

/**
 * The traits of every controller method, keyed by the operationId the document gives it, read
 * from the decorators of the running application.
 */
export function routeTraitsByOperationId(
  app: INestApplication,
  operationId: (controllerKey: string, methodKey: string) => string,
): Map<string, RouteTraits> {
  const traits = new Map<string, RouteTraits>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      for (const method of Object.getOwnPropertyNames(controller.prototype)) {
        if (method === 'constructor') continue;
        const handler = controller.prototype[method] as unknown;
        if (typeof handler !== 'function') continue;
        traits.set(operationId(controller.name, method), readTraits(controller, handler, method));
      }
    }
  }
  return traits;
}

function readTraits(controller: Type, handler: object, method: string): RouteTraits {
  const read = <T>(key: string): T | undefined =>
    (Reflect.getMetadata(key, handler) as T | undefined) ??
    (Reflect.getMetadata(key, controller) as T | undefined);
  const permission = read<Permission>(PERMISSION);
  const holders = permission ? rolesWith(permission) : [];
  return {
    isPublic: read<boolean>(IS_PUBLIC) === true,
    permission,
    roles: permission
      ? holders.filter((role): role is Role => role === 'admin' || role === 'merchant')
      : undefined,
    console: holders.some((role) => role !== 'admin' && role !== 'merchant'),
    idempotent: read<object | undefined>(IDEMPOTENT) !== undefined,
    rateLimited: read<boolean>(`${THROTTLER_SKIP}default`) !== true,
    allowedDuringMaintenance: read<boolean>(ALLOW_DURING_MAINTENANCE) === true,
    domain: [...(read<ErrorReason[]>(API_ERRORS) ?? []), ...validatorReasons(controller, method)],
    errorPages: read<object>(ERROR_PAGE) !== undefined,
  };
}

/** Validators with a reason of their own (money, currency), found on the route's DTOs. */
const VALIDATOR_REASONS: Record<string, ErrorReason> = {
  [IS_MINOR_UNITS]: 'invalid_amount',
  [IS_CURRENCY_CODE]: 'invalid_currency',
};

function validatorReasons(controller: Type, method: string): ErrorReason[] {
  const parameterTypes =
    (Reflect.getMetadata('design:paramtypes', controller.prototype, method) as unknown[]) ?? [];
  const storage = getMetadataStorage();
  const reasons = parameterTypes.flatMap((type) =>
    typeof type === 'function'
      ? storage
          .getTargetValidationMetadatas(type, '', true, false)
          .map((m) => VALIDATOR_REASONS[m.name ?? ''])
      : [],
  );
  return [...new Set(reasons.filter((reason) => reason !== undefined))];
}

export function operationShape(
  path: string,
  method: string,
  operation: OperationObject,
): OperationShape {
  const parameters = (operation.parameters ?? []) as ParameterObject[];
  const query = parameters.filter((p) => p.in === 'query');
  return {
    path,
    method: method.toUpperCase(),
    hasPathParams: parameters.some((p) => p.in === 'path'),
    hasBody: operation.requestBody !== undefined,
    hasQuery: query.length > 0,
    hasCursor: query.some((p) => p.name === 'cursor'),
  };
}

/**
 * An example error envelope for every reason of the catalogue, referenced by the operations
 * (`#/components/examples/<reason>`) rather than repeated in each.
 */
export function errorExamples(): Record<string, ExampleObject> {
  return Object.fromEntries(
    (Object.keys(ERROR_CATALOGUE) as ErrorReason[]).sort().map((reason) => [
      reason,
      {
        summary: reason,
        value: {
          code: String(ERROR_CATALOGUE[reason].status),
          message: ERROR_CATALOGUE[reason].en,
          reason,
          request_id: '0f3b6c1e-8a2d-4e5f-9b7c-1d2e3f4a5b6c',
        },
      },
    ]),
  );
}

/**
 * One response per error status, each listing its reasons with both messages and an example
 * envelope per reason, so Swagger UI and the reference show what can go wrong and why.
 */
export function errorResponses(
  reasons: ErrorReason[],
  asPages = false,
): Record<string, ResponseObject> {
  const byStatus = new Map<number, ErrorReason[]>();
  for (const reason of reasons) {
    const status = ERROR_CATALOGUE[reason].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), reason]);
  }
  const responses: Record<string, ResponseObject> = {};
  for (const [status, list] of byStatus) {
    responses[String(status)] = {
      description: list
        .map(
          (reason) =>
            `\`${reason}\`: ${ERROR_CATALOGUE[reason].en} / ${ERROR_CATALOGUE[reason].zh}`,
        )
        .join('\n\n'),
      content: asPages
        ? { 'text/html': { schema: { type: 'string' } } }
        : {
            'application/json': {
              schema: { $ref: '#/components/schemas/ErrorEnvelope' },
              examples: Object.fromEntries(
                list.map((reason) => [reason, { $ref: `#/components/examples/${reason}` }]),
              ),
            },
          },
    };
  }
  return responses;
}
