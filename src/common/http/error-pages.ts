import { INestApplicationContext, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { ERROR_PAGE, ErrorPage } from './route-metadata';

/**
 * The routes whose failures are pages (`@ErrorPageFor`), by method and route pattern as Fastify
 * matched them: the exception filter is handed no handler, only the request, so it looks the
 * page up here. Filled once the controllers are known.
 */
export class ErrorPages {
  private readonly byRoute = new Map<string, ErrorPage>();

  adopt(app: INestApplicationContext): void {
    for (const module of app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as Type | null;
        if (!controller) continue;
        for (const method of Object.getOwnPropertyNames(controller.prototype)) {
          const handler = (controller.prototype as Record<string, unknown>)[method];
          if (typeof handler !== 'function') continue;
          const page = Reflect.getMetadata(ERROR_PAGE, handler) as ErrorPage | undefined;
          if (!page) continue;
          const verb = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
          const path = [
            Reflect.getMetadata(PATH_METADATA, controller),
            Reflect.getMetadata(PATH_METADATA, handler),
          ]
            .flatMap((part) => String(part ?? '').split('/'))
            .filter(Boolean)
            .join('/');
          this.byRoute.set(`${verb} /${path}`, page);
        }
      }
    }
  }

  /** The page for a failed request, when its route shows failures as pages. */
  for(request: FastifyRequest): ErrorPage | undefined {
    const route = request.routeOptions?.url;
    return route === undefined ? undefined : this.byRoute.get(`${request.method} ${route}`);
  }
}
