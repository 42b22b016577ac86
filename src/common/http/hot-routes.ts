import {
  CanActivate,
  ExceptionFilter,
  ForbiddenException,
  PipeTransform,
  RequestMethod,
  Type,
} from '@nestjs/common';
import {
  CUSTOM_ROUTE_ARGS_METADATA,
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  HEADERS_METADATA,
  HTTP_CODE_METADATA,
  INTERCEPTORS_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
  PIPES_METADATA,
  REDIRECT_METADATA,
  RENDER_METADATA,
  ROUTE_ARGS_METADATA,
  SSE_METADATA,
} from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { isObservable, lastValueFrom, Observable } from 'rxjs';
import { AroundInterceptor } from './around-interceptor';

/**
 * Hot routes: the few a merchant's checkout calls on every payment (creation, and reading an
 * order back). Nest serves them with the same guards, pipe, interceptors and exception filter
 * as every other route, but its generic router machinery (execution context per enhancer,
 * per-request async resources, observables around the guards and the response) cost as much
 * CPU per request as the rest of the request together.
 *
 * A method marked `@HotRoute()` keeps its Nest route (so the OpenAPI document, 404/405 and
 * every Fastify hook are unchanged); only the route's Fastify handler is replaced by one that
 * calls the same global enhancer instances directly, in Nest's order: guards, then the
 * route's status, then the interceptors around (pipes, then the handler), and any error to
 * the exception filter. The interceptors are called in their promise form (AroundInterceptor),
 * without the observables Nest's router wraps them in. Only what these routes use is supported
 * (body, query, path parameters and custom parameter decorators under the global pipe; global
 * enhancers only); anything else on a marked method fails at start-up rather than being served
 * differently.
 */
interface HotRouteEntry {
  controller: Type<object>;
  method: string;
}

const HOT_ROUTES: HotRouteEntry[] = [];

export function HotRoute(): MethodDecorator {
  return (target, key) => {
    HOT_ROUTES.push({ controller: target.constructor as Type<object>, method: String(key) });
  };
}

/** The application-wide enhancers, as Nest applies them to every route. */
export interface GlobalEnhancers {
  guards: CanActivate[];
  pipe: PipeTransform;
  interceptor: Pick<AroundInterceptor, 'around'>;
  filter: ExceptionFilter;
  /** The controller instance of a marked method. */
  controller: (type: Type<object>) => object;
}

type ArgumentSource = 'body' | 'query' | 'param' | 'custom';

interface Argument {
  index: number;
  source: ArgumentSource;
  data: unknown;
  metatype: unknown;
  factory?: (data: unknown, context: ExecutionContextHost) => unknown;
}

interface Route {
  entry: HotRouteEntry;
  key: string;
  status: number;
  handler: (...args: unknown[]) => unknown;
  args: Argument[];
  /** How many arguments the handler receives. */
  arity: number;
  instance?: object;
}

const SOURCES: Partial<Record<RouteParamtypes, ArgumentSource>> = {
  [RouteParamtypes.BODY]: 'body',
  [RouteParamtypes.QUERY]: 'query',
  [RouteParamtypes.PARAM]: 'param',
};

const FORBIDDEN_MESSAGE = 'Forbidden resource';

export class HotRoutes {
  private readonly routes = new Map<string, Route>();
  private readonly adopted = new Set<string>();
  private enhancers?: GlobalEnhancers;

  constructor(entries: readonly HotRouteEntry[] = HOT_ROUTES) {
    for (const entry of entries) {
      const route = describe(entry);
      this.routes.set(route.key, route);
    }
  }

  /** For Fastify's onRoute hook: takes over the handler of a marked route. */
  adopt(options: RouteOptions): void {
    const methods = Array.isArray(options.method) ? options.method : [options.method];
    if (methods.length !== 1) return;
    const route = this.routes.get(`${methods[0].toUpperCase()} ${normalise(options.url)}`);
    if (!route) return;
    this.adopted.add(route.key);
    options.handler = (request, reply) => this.serve(route, request, reply);
  }

  /** Once Nest is initialised: the enhancers and controllers the handlers call. */
  bind(enhancers: GlobalEnhancers): void {
    for (const route of this.routes.values()) {
      if (!this.adopted.has(route.key)) {
        throw new Error(`hot route ${route.key} was not registered by Nest`);
      }
      route.instance = enhancers.controller(route.entry.controller);
    }
    this.enhancers = enhancers;
  }

  private async serve(route: Route, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const enhancers = this.enhancers;
    if (!enhancers) throw new Error('hot routes used before the application was initialised');
    const context = new ExecutionContextHost(
      [request, reply, undefined],
      route.entry.controller,
      route.handler,
    );
    try {
      for (const guard of enhancers.guards) {
        if (!(await settle(guard.canActivate(context)))) {
          throw new ForbiddenException(FORBIDDEN_MESSAGE);
        }
      }
      reply.status(route.status);
      const result = await enhancers.interceptor.around(context, () =>
        this.invoke(route, context, request, enhancers),
      );
      if (!reply.sent) reply.send(result);
    } catch (error) {
      enhancers.filter.catch(error, context);
    }
  }

  private async invoke(
    route: Route,
    context: ExecutionContextHost,
    request: FastifyRequest,
    enhancers: GlobalEnhancers,
  ): Promise<unknown> {
    const values = new Array<unknown>(route.arity);
    await Promise.all(
      route.args.map(async (arg) => {
        const value = arg.factory ? arg.factory(arg.data, context) : extract(request, arg);
        values[arg.index] = await enhancers.pipe.transform(value, {
          type: arg.source,
          metatype: arg.metatype as Type<unknown>,
          data: arg.data as string | undefined,
        });
      }),
    );
    return route.handler.apply(route.instance, values);
  }
}

function extract(request: FastifyRequest, arg: Argument): unknown {
  const all =
    arg.source === 'body' ? request.body : arg.source === 'query' ? request.query : request.params;
  if (arg.data === undefined) return all;
  if (arg.source === 'body' && !all) return all;
  return (all as Record<string, unknown>)[arg.data as string];
}

async function settle(value: boolean | Promise<boolean> | Observable<boolean>): Promise<boolean> {
  return isObservable(value) ? lastValueFrom(value) : value;
}

function describe(entry: HotRouteEntry): Route {
  const { controller, method } = entry;
  const name = `${controller.name}.${method}`;
  const handler = (controller.prototype as Record<string, unknown>)[method];
  if (typeof handler !== 'function') throw new Error(`${name} is not a method`);
  for (const key of [
    GUARDS_METADATA,
    INTERCEPTORS_METADATA,
    PIPES_METADATA,
    EXCEPTION_FILTERS_METADATA,
  ]) {
    if (Reflect.getMetadata(key, controller) || Reflect.getMetadata(key, handler)) {
      throw new Error(`${name}: a hot route uses the global enhancers only (found ${key})`);
    }
  }
  for (const key of [HEADERS_METADATA, REDIRECT_METADATA, RENDER_METADATA, SSE_METADATA]) {
    if (Reflect.getMetadata(key, handler) !== undefined) {
      throw new Error(`${name}: ${key} is not supported on a hot route`);
    }
  }
  const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
  const verb = RequestMethod[requestMethod];
  const path = normalise(
    `/${String(Reflect.getMetadata(PATH_METADATA, controller) ?? '')}/${String(
      Reflect.getMetadata(PATH_METADATA, handler) ?? '',
    )}`,
  );
  const status =
    (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ??
    (requestMethod === RequestMethod.POST ? 201 : 200);
  const paramtypes = (Reflect.getMetadata('design:paramtypes', controller.prototype, method) ??
    []) as unknown[];
  const metadata = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<
    string,
    {
      index: number;
      data?: unknown;
      pipes?: unknown[];
      factory?: (data: unknown, context: ExecutionContextHost) => unknown;
    }
  >;
  const args = Object.entries(metadata).map(([key, param]): Argument => {
    if (param.pipes && param.pipes.length > 0) {
      throw new Error(`${name}: parameter pipes are not supported on a hot route`);
    }
    const base = { index: param.index, data: param.data, metatype: paramtypes[param.index] };
    if (key.includes(CUSTOM_ROUTE_ARGS_METADATA)) {
      return { ...base, source: 'custom', factory: param.factory };
    }
    const source = SOURCES[Number(key.split(':')[0]) as RouteParamtypes];
    if (!source) throw new Error(`${name}: parameter ${key} is not supported on a hot route`);
    return { ...base, source };
  });
  return {
    entry,
    key: `${verb} ${path}`,
    status,
    handler: handler as (...args: unknown[]) => unknown,
    args,
    arity: Math.max(0, ...args.map((arg) => arg.index + 1)),
  };
}

function normalise(url: string): string {
  return `/${url.split('/').filter(Boolean).join('/')}`;
}
