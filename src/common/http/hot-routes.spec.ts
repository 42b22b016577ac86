import 'reflect-metadata';
import {
  Body,
  CanActivate,
  Controller,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  Get,
  Header,
  HttpCode,
  Param,
  PipeTransform,
  Post,
  UseGuards,
} from '@nestjs/common';
import { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { GlobalEnhancers, HotRoutes } from './hot-routes';

const Caller = createParamDecorator(
  (data: string, context: ExecutionContext) =>
    `${data}:${context.switchToHttp().getRequest<{ caller: string }>().caller}`,
);

class Shape {
  name!: string;
}

@Controller('v1/things')
class ThingsController {
  calls: unknown[][] = [];

  @Post()
  create(@Body() body: Shape, @Caller('who') caller: string) {
    this.calls.push([body, caller]);
    return { created: body.name, caller };
  }

  @Post(':id/touch')
  @HttpCode(200)
  touch(@Param('id') id: string) {
    if (id === 'BROKEN') throw new Error('handler failed');
    return { touched: id };
  }

  @Get(':id')
  @Header('x-extra', '1')
  withHeader() {
    return {};
  }

  @Get('guarded')
  @UseGuards(
    class implements CanActivate {
      canActivate = () => true;
    },
  )
  guarded() {
    return {};
  }
}

interface Harness {
  log: string[];
  caught: unknown[];
  enhancers: GlobalEnhancers;
  controller: ThingsController;
}

function harness(guardAnswers: boolean[] = [true, true]): Harness {
  const log: string[] = [];
  const caught: unknown[] = [];
  const controller = new ThingsController();
  const pipe: PipeTransform = {
    transform: (value, metadata) => {
      log.push(`pipe ${metadata.type} ${metadata.data ?? ''} ${metadata.metatype?.name ?? ''}`);
      return metadata.type === 'param' ? String(value).toUpperCase() : value;
    },
  };
  return {
    log,
    caught,
    controller,
    enhancers: {
      guards: guardAnswers.map((answer, i) => ({
        canActivate: async (context: ExecutionContext) => {
          log.push(`guard ${i} ${context.getClass().name}.${context.getHandler().name}`);
          return answer;
        },
      })),
      pipe,
      interceptor: {
        around: async (_context: ExecutionContext, next: () => Promise<unknown>) => {
          log.push('interceptor before');
          return { wrapped: await next() };
        },
      },
      filter: {
        catch: (error: unknown, host) => {
          caught.push(error);
          host.switchToHttp().getResponse<FakeReply>().status(500).send({ failed: true });
        },
      },
      controller: () => controller,
    },
  };
}

interface FakeReply {
  statusCode?: number;
  body?: unknown;
  sent: boolean;
  status(code: number): FakeReply;
  send(body: unknown): FakeReply;
}

function reply(log: string[]): FakeReply {
  return {
    sent: false,
    status(code) {
      log.push(`status ${code}`);
      this.statusCode = code;
      return this;
    },
    send(body) {
      this.body = body;
      this.sent = true;
      return this;
    },
  };
}

const entries = [
  { controller: ThingsController, method: 'create' },
  { controller: ThingsController, method: 'touch' },
];

/** Registers the Nest routes the way Fastify's onRoute hook sees them; returns their handlers. */
function register(routes: HotRoutes): Record<string, RouteOptions['handler']> {
  const handlers: Record<string, RouteOptions['handler']> = {};
  for (const [method, url] of [
    ['POST', '/v1/things'],
    ['POST', '/v1/things/:id/touch'],
    ['GET', '/v1/things/:id'],
  ]) {
    const original = () => 'served by Nest';
    const options = { method, url, handler: original } as unknown as RouteOptions;
    routes.adopt(options);
    handlers[`${method} ${url}`] = options.handler;
  }
  return handlers;
}

async function call(
  handler: RouteOptions['handler'],
  request: Record<string, unknown>,
  log: string[],
): Promise<FakeReply> {
  const r = reply(log);
  await (handler as (req: FastifyRequest, rep: FastifyReply) => Promise<void>).call(
    undefined as never,
    request as unknown as FastifyRequest,
    r as unknown as FastifyReply,
  );
  return r;
}

/** Marked routes registered and bound; `send` serves one request through a route's handler. */
function served(guardAnswers?: boolean[]) {
  const routes = new HotRoutes(entries);
  const handlers = register(routes);
  const h = harness(guardAnswers);
  routes.bind(h.enhancers);
  const send = (route: string, request: Record<string, unknown>) =>
    call(handlers[route], request, h.log);
  return { ...h, send };
}

describe('hot routes', () => {
  it('serve a marked route through the global enhancers in Nest order', async () => {
    const h = served();

    const r = await h.send('POST /v1/things', {
      body: { name: 'lamp' },
      caller: 'merchant-7',
      params: {},
      query: {},
    });

    expect(r.statusCode).toBe(201);
    expect(r.body).toEqual({ wrapped: { created: 'lamp', caller: 'who:merchant-7' } });
    expect(h.log.slice(0, 4)).toEqual([
      'guard 0 ThingsController.create',
      'guard 1 ThingsController.create',
      'status 201',
      'interceptor before',
    ]);
    // every argument through the pipe, with Nest's metadata (in no particular order)
    expect(h.log.slice(4).sort()).toEqual(['pipe body  Shape', 'pipe custom who String']);
    expect(h.controller.calls).toEqual([[{ name: 'lamp' }, 'who:merchant-7']]);
  });

  it('honour @HttpCode and pipe path parameters', async () => {
    const h = served();

    const r = await h.send('POST /v1/things/:id/touch', { params: { id: 'abc' } });

    expect(r.statusCode).toBe(200);
    expect(r.body).toEqual({ wrapped: { touched: 'ABC' } });
  });

  it('leave unmarked routes to Nest', () => {
    const routes = new HotRoutes(entries);
    const handlers = register(routes);
    expect((handlers['GET /v1/things/:id'] as () => string)()).toBe('served by Nest');
  });

  it('refuse with 403 when a guard says no, without running the handler', async () => {
    const h = served([true, false]);

    const r = await h.send('POST /v1/things', { body: { name: 'x' }, caller: 'c' });

    expect(h.caught).toHaveLength(1);
    expect(h.caught[0]).toBeInstanceOf(ForbiddenException);
    expect(r.body).toEqual({ failed: true });
    expect(h.controller.calls).toEqual([]);
    expect(h.log).not.toContain('interceptor before');
  });

  it('hand what the handler throws to the exception filter', async () => {
    const h = served();

    const r = await h.send('POST /v1/things/:id/touch', { params: { id: 'broken' } });

    expect((h.caught[0] as Error).message).toBe('handler failed');
    expect(r.statusCode).toBe(500);
  });

  it('refuse at start-up what they would serve differently from Nest', () => {
    expect(() => new HotRoutes([{ controller: ThingsController, method: 'withHeader' }])).toThrow(
      /not supported on a hot route/,
    );
    expect(() => new HotRoutes([{ controller: ThingsController, method: 'guarded' }])).toThrow(
      /global enhancers only/,
    );
  });

  it('fail at start-up when Nest never registered a marked route', () => {
    const routes = new HotRoutes(entries);
    routes.adopt({ method: 'POST', url: '/v1/things', handler: () => undefined } as RouteOptions);
    expect(() => routes.bind(harness().enhancers)).toThrow(
      /POST \/v1\/things\/:id\/touch was not registered/,
    );
  });
});
