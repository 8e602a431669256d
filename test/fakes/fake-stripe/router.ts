import { registerCreditNotes } from './credit-notes';
import { registerCustomers } from './customers';
import { registerEvents } from './events';
import { registerInvoiceItems } from './invoice-items';
import { registerInvoices } from './invoices';
import type { RequestInfo, Store } from './store';
import type { Params, StripeObject } from './types';

export interface HandlerContext {
  store: Store;
  /** `:name` segments captured from the route pattern. */
  params: Record<string, string>;
  /** Form body for POST, query string for GET/DELETE: the SDK puts params where Stripe expects. */
  input: Params;
  request: RequestInfo;
}

/** Returns the live object; the pipeline clones and expands it before sending. */
export type Handler = (ctx: HandlerContext) => StripeObject;

interface Route {
  method: string;
  regex: RegExp;
  keys: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: 'GET' | 'POST' | 'DELETE', pattern: string, handler: Handler): this {
    const keys: string[] = [];
    const source = pattern.replace(/:(\w+)/g, (_m, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.routes.push({ method, regex: new RegExp(`^${source}$`), keys, handler });
    return this;
  }

  match(method: string, path: string) {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
      return { handler: route.handler, params };
    }
    return undefined;
  }
}

export function buildRouter(): Router {
  const router = new Router();
  registerCustomers(router);
  registerInvoiceItems(router);
  registerInvoices(router);
  registerCreditNotes(router);
  registerEvents(router);
  return router;
}
