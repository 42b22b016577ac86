import { Injectable, OnApplicationBootstrap, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { IS_PUBLIC } from '../common/auth/public.decorator';
import { PERMISSION } from './permissions';

/**
 * Start-up refuses a route that is neither `@Public()` nor declares its `@Permission(...)`:
 * the role table has to decide every route, so a forgotten one cannot quietly be open to
 * every authenticated caller.
 */
@Injectable()
export class RoutePermissionsCheck implements OnApplicationBootstrap {
  constructor(private readonly modules: ModulesContainer) {}

  onApplicationBootstrap(): void {
    const undecided = routesWithoutPermission(this.modules);
    if (undecided.length > 0) {
      throw new Error(
        `routes with neither @Public() nor @Permission(...): ${undecided.join(', ')}`,
      );
    }
  }
}

export function routesWithoutPermission(modules: ModulesContainer): string[] {
  const undecided: string[] = [];
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const isPublicClass = Reflect.getMetadata(IS_PUBLIC, controller) === true;
      for (const method of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[method];
        if (method === 'constructor' || typeof handler !== 'function') continue;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        if (isPublicClass || Reflect.getMetadata(IS_PUBLIC, handler) === true) continue;
        if (Reflect.getMetadata(PERMISSION, handler) === undefined) {
          undecided.push(`${controller.name}.${method}`);
        }
      }
    }
  }
  return undecided;
}
