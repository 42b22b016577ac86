import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { Permission, PERMISSION } from '../../auth/permissions';
import { AppError } from '../../common/errors/app-error';
import { AroundInterceptor, Next } from '../../common/http/around-interceptor';
import { HttpResult } from '../../common/http/envelope';
import { AUDIT, AuditSpec } from './audit.decorator';
import { AuditService } from './audit.service';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Writes the audit row of every `@Audit` route once its outcome is known, and of every change a
 * person makes through the console (any route, any method but a read), named after the route's
 * permission: `payments.refund` on `order_id` …
 */
@Injectable()
export class AuditInterceptor extends AroundInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {
    super();
  }

  async around(context: ExecutionContext, next: Next): Promise<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const spec =
      this.reflector.get<AuditSpec | undefined>(AUDIT, context.getHandler()) ??
      consoleChange(request, context);
    if (!spec) return next();
    // a route audited for some roles only is audited for every person in the console
    const principal = request.principal;
    if (spec.roles && !principal?.user && !(principal && spec.roles.includes(principal.role))) {
      return next();
    }
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const params = (request.params ?? {}) as Record<string, string>;
    const base = {
      principal: request.principal,
      action: spec.action,
      targetType: spec.targetType,
      ip: request.ip,
      requestId: request.id,
      // a read that is audited (an export) is described by its query
      detail: request.body ?? (READS.has(request.method) ? request.query : undefined),
    };
    try {
      const result = await next();
      // a replay under an Idempotency-Key changes nothing (the first request was audited),
      // and a replayed error must not be written down as a success
      if (reply.getHeader('idempotent-replayed') === 'true') return result;
      // the result arrives enveloped ({code, data, …}); the target is named inside `data`
      const body = result instanceof HttpResult ? (result.body as unknown) : result;
      const data = (body as { data?: Record<string, unknown> } | null)?.data;
      const fromResult = spec.resultField ? data?.[spec.resultField] : undefined;
      const targetId = spec.param ? params[spec.param] : fromResult;
      await this.audit.record({
        ...base,
        targetId: targetId === undefined ? null : String(targetId),
        result: 'success',
        ...(spec.resultDetail
          ? { detail: withResultFields(base.detail, data, spec.resultDetail) }
          : {}),
      });
      return result;
    } catch (error) {
      await this.audit.record({
        ...base,
        targetId: spec.param ? (params[spec.param] ?? null) : null,
        result: 'failure',
        reason: error instanceof AppError ? error.reason : 'internal_error',
      });
      throw error;
    }
  }
}

/** A change made with a console session on a route without `@Audit`: named by its permission. */
function consoleChange(request: FastifyRequest, context: ExecutionContext): AuditSpec | undefined {
  if (!request.principal?.user || READS.has(request.method)) return undefined;
  const permission = Reflect.getMetadata(PERMISSION, context.getHandler()) as
    Permission | undefined;
  if (!permission) return undefined;
  const param = Object.keys((request.params ?? {}) as object)[0];
  return { action: permission, targetType: permission.split('.')[0], param };
}

/** The request's fields with the named fields of the result added (the request's win). */
function withResultFields(
  request: unknown,
  result: Record<string, unknown> | undefined,
  fields: readonly string[],
): Record<string, unknown> {
  const picked = Object.fromEntries(
    fields.filter((f) => result?.[f] !== undefined).map((f) => [f, result?.[f]]),
  );
  const own = Object.prototype.toString.call(request) === '[object Object]' ? request : {};
  return { ...picked, ...(own as Record<string, unknown>) };
}
