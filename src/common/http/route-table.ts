import FindMyWay from 'find-my-way';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Every route the server knows, so that a request for a known path with the wrong method gets
 * 405 with an `Allow` header instead of 404. Filled from Fastify's onRoute hook.
 */
export class RouteTable {
  private readonly router = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true });

  add(method: string | string[], url: string): void {
    for (const m of Array.isArray(method) ? method : [method]) {
      const upper = m.toUpperCase();
      if (!(METHODS as readonly string[]).includes(upper)) continue;
      if (this.router.find(upper as FindMyWay.HTTPMethod, url)) continue;
      this.router.on(upper as FindMyWay.HTTPMethod, url, () => undefined);
    }
  }

  /** The methods a path accepts, empty when the path is unknown. */
  allowedMethods(path: string): string[] {
    const pathOnly = path.split('?')[0];
    return METHODS.filter((m) => this.router.find(m, pathOnly) !== null);
  }
}
