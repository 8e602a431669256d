import { AsyncResource } from 'node:async_hooks';
import type { NestInterceptor } from '@nestjs/common';
import { InterceptorsConsumer } from '@nestjs/core/interceptors/interceptors-consumer';
import {
  from,
  isObservable,
  Observable,
  type ObservableInput,
  type Subscriber,
  type TeardownLogic,
} from 'rxjs';
import { mergeAll } from 'rxjs/operators';

type Intercept = InterceptorsConsumer['intercept'];

/**
 * Runs `fn` in the async context this was created in (AsyncLocalStorage stores included), as
 * `AsyncResource.bind(fn)` would, without what `bind` adds to every function it returns: a
 * deprecated `asyncResource` accessor built from two `util.deprecate` wrappers, each given a
 * fresh function as its prototype. Done on every request, that churns V8's prototype maps.
 */
function asyncScope(): (fn: () => TeardownLogic) => TeardownLogic {
  const resource = new AsyncResource('interceptor-scope');
  return (fn) => resource.runInAsyncScope(fn);
}

/**
 * `InterceptorsConsumer.intercept` as NestJS 12 writes it: each `next.handle()` subscribes the
 * next interceptor (or the route handler) in the async context `handle()` was called in, through
 * `asyncScope` instead of `AsyncResource.bind`. NestJS 11 binds two functions per intercepted
 * request with `AsyncResource.bind`; measured here, one interceptor on `/health/live` took its
 * server CPU per request from 24 µs to 95–105 µs, and the cached `GET /v1/customers/:id` (one
 * interceptor) went between 45 and 90 µs from one process to the next. NestJS 12 is ESM-only, so
 * the service stays on 11 and takes this part of 12.
 */
const intercept: Intercept = async function (
  this: InterceptorsConsumer,
  interceptors: NestInterceptor[],
  args: unknown[],
  instance,
  callback,
  next,
  type,
) {
  if (!interceptors || interceptors.length === 0) return next();
  const context = this.createContext(args, instance, callback);
  if (type) context.setType(type);
  // Subscribes one level of the chain: the next interceptor, or the route handler behind the
  // last one. An Observable is subscribed directly; anything else (a Promise of one) is flattened.
  const subscribeLevel = (level: number, subscriber: Subscriber<unknown>): TeardownLogic => {
    try {
      const result: unknown =
        level >= interceptors.length
          ? this.transformDeferred(next)
          : interceptors[level].intercept(context, handlerFor(level + 1));
      return isObservable(result)
        ? result.subscribe(subscriber)
        : from(Promise.resolve(result) as Promise<ObservableInput<unknown>>)
            .pipe(mergeAll())
            .subscribe(subscriber);
    } catch (error) {
      subscriber.error(error);
      return undefined;
    }
  };
  const handlerFor = (level: number) => ({
    handle: () => {
      const scope = asyncScope();
      return new Observable((subscriber) => scope(() => subscribeLevel(level, subscriber)));
    },
  });
  return new Observable((subscriber) => subscribeLevel(0, subscriber));
};

/**
 * Puts `intercept` in place of NestJS 11's, once, where the installed `@nestjs/core` still binds
 * with `AsyncResource.bind` (a release that no longer does keeps its own). Returns whether it did.
 */
export function useCheapInterceptorScopes(): boolean {
  const prototype = InterceptorsConsumer.prototype;
  if (prototype.intercept === intercept) return true;
  if (!prototype.intercept.toString().includes('AsyncResource.bind')) return false;
  prototype.intercept = intercept;
  return true;
}
