import { AsyncLocalStorage } from 'node:async_hooks';

/** Who caused a change: an API key (by name), Stripe (webhooks), or the service itself (jobs). */
export interface Actor {
  type: 'api_key' | 'stripe' | 'system';
  name: string;
}

interface RequestContext {
  requestId?: string;
  actor?: Actor;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const SYSTEM_ACTOR: Actor = { type: 'system', name: 'system' };

/**
 * Per-request context (request id, actor) for code far from the controller, such as the audit
 * trail, without threading it through every call. Outside a request (cron jobs) the actor is
 * `system` unless a job runs its work inside `runAs`.
 */
export const RequestContext = {
  /** Serves a request (`next` and everything it starts) in a context of its own. */
  serve<T>(requestId: string, next: () => T): T {
    return storage.run({ requestId }, next);
  },
  setActor(actor: Actor): void {
    const context = storage.getStore();
    if (context) context.actor = actor;
  },
  runAs<T>(actor: Actor, fn: () => T): T {
    return storage.run({ ...storage.getStore(), actor }, fn);
  },
  actor(): Actor {
    return storage.getStore()?.actor ?? SYSTEM_ACTOR;
  },
  requestId(): string | undefined {
    return storage.getStore()?.requestId;
  },
};
