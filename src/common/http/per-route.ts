import type { ExecutionContext } from '@nestjs/common';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Target = Function;

/**
 * What a guard or interceptor reads from a route's metadata, worked out on the route's first
 * request and kept: metadata is fixed once the app starts, so looking it up again on every
 * request (several reflector calls each) is work that can be done once. Keyed by controller
 * class and handler, since a handler inherited by two controllers can carry different
 * class-level metadata in each.
 */
export class PerRoute<T> {
  private readonly byClass = new WeakMap<Target, WeakMap<Target, T>>();

  constructor(private readonly derive: (handler: Target, controller: Target) => T) {}

  of(context: ExecutionContext): T {
    const controller = context.getClass();
    const handler = context.getHandler();
    let routes = this.byClass.get(controller);
    if (!routes) this.byClass.set(controller, (routes = new WeakMap()));
    if (routes.has(handler)) return routes.get(handler) as T;
    const value = this.derive(handler, controller);
    routes.set(handler, value);
    return value;
  }
}
