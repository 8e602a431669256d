import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkAuth } from './auth';
import { StripeHttpError, invalidRequest, unrecognizedUrl, type StripeErrorBody } from './errors';
import { Faults, failureBody } from './faults';
import { decodeForm } from './form';
import { IdempotencyStore, type StoredResponse } from './idempotency';
import { expandPaths } from './params';
import type { Router } from './router';
import { randomId, render, type Store } from './store';
import type { Params, RecordedRequest } from './types';

interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface PipelineDeps {
  store: Store;
  router: Router;
  idempotency: IdempotencyStore;
  faults: Faults;
  requests: RecordedRequest[];
  apiKey?: string;
  /** Timers are tracked so close() can cancel pending delayed responses. */
  timers: Set<NodeJS.Timeout>;
}

const MUTATING = new Set(['POST', 'DELETE']);

function errorReply(status: number, error: StripeErrorBody, headers?: Record<string, string>) {
  return { status, body: JSON.stringify({ error }, null, 2), headers };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class Pipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://fake-stripe.local');
    const requestId = randomId('req_', 14);
    const idempotencyKey = header(req, 'idempotency-key');
    const stripeVersion = header(req, 'stripe-version');
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: {},
      idempotencyKey,
      body: {},
      stripeVersion,
    };
    this.deps.requests.push(record);

    const baseHeaders: Record<string, string> = {
      'request-id': requestId,
      'stripe-version': stripeVersion ?? this.deps.store.apiVersion,
    };
    if (idempotencyKey && method === 'POST') baseHeaders['idempotency-key'] = idempotencyKey;

    let reply: Reply;
    let mayDrop = false;
    try {
      record.query = decodeForm(url.search.slice(1));
      record.body = method === 'POST' ? decodeForm(raw) : {};
      const outcome = this.decide(req, record, requestId);
      reply = outcome.reply;
      record.outcome = outcome.outcome;
      mayDrop =
        MUTATING.has(method) && (outcome.outcome === 'handled' || outcome.outcome === 'replayed');
    } catch (err) {
      reply = this.replyForError(err);
      record.outcome = 'rejected';
    }

    await this.delay();
    if (mayDrop && this.deps.faults.takeDrop()) {
      // The change (and its idempotent result) is already committed: the client
      // just never hears back, exactly like a response lost on the network.
      record.outcome = 'dropped';
      res.socket?.destroy();
      return;
    }
    record.status = reply.status;
    const body = reply.body;
    res.writeHead(reply.status, {
      ...baseHeaders,
      ...reply.headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    });
    res.end(body);
  }

  private decide(req: IncomingMessage, record: RecordedRequest, requestId: string) {
    const { store, router, idempotency, faults } = this.deps;
    const authError = checkAuth(header(req, 'authorization'), this.deps.apiKey);
    if (authError) return { reply: this.replyForError(authError), outcome: 'rejected' as const };

    // Injected failures happen "before" Stripe does anything, so nothing is committed or stored.
    const failure = faults.takeFailure();
    if (failure) {
      const headers: Record<string, string> = {};
      if (failure.shouldRetry !== undefined) {
        headers['stripe-should-retry'] = String(failure.shouldRetry);
      }
      return {
        reply: errorReply(failure.status, failureBody(failure.status), headers),
        outcome: 'fault' as const,
      };
    }

    if (
      record.stripeVersion !== undefined &&
      !/^\d{4}-\d{2}-\d{2}(\.\w+)?$/.test(record.stripeVersion)
    ) {
      throw invalidRequest(`Invalid Stripe API version: ${record.stripeVersion}`);
    }

    const { method, path, idempotencyKey } = record;
    const input: Params = method === 'POST' ? record.body : record.query;
    // Stripe ignores idempotency keys on GET/DELETE: those are idempotent by definition.
    const keyed = method === 'POST' && idempotencyKey !== undefined;
    if (keyed) {
      const decision = idempotency.decide(idempotencyKey, method, path, input);
      if (decision.kind === 'reject') throw decision.error;
      if (decision.kind === 'replay') {
        return { reply: this.replay(decision.response), outcome: 'replayed' as const };
      }
    }

    const route = router.match(method, path);
    if (!route) throw unrecognizedUrl(method, path);
    const request = { requestId, idempotencyKey: keyed ? idempotencyKey : undefined };
    const result = route.handler({ store, params: route.params, input, request });
    const body = JSON.stringify(render(store, result, expandPaths(input)), null, 2);
    if (keyed)
      idempotency.save(idempotencyKey, method, path, input, { status: 200, body, requestId });
    return { reply: { status: 200, body }, outcome: 'handled' as const };
  }

  private replay(stored: StoredResponse): Reply {
    return {
      status: stored.status,
      body: stored.body,
      headers: { 'idempotent-replayed': 'true', 'original-request': stored.requestId },
    };
  }

  private replyForError(err: unknown): Reply {
    if (err instanceof StripeHttpError) return errorReply(err.status, err.body);
    // A bug in the fake must not look like a Stripe outage the SDK silently retries.
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    return errorReply(
      500,
      { type: 'api_error', message: `fake-stripe internal error: ${message}` },
      { 'stripe-should-retry': 'false' },
    );
  }

  private delay(): Promise<void> {
    const ms = this.deps.faults.latencyMs;
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.deps.timers.delete(timer);
        resolve();
      }, ms);
      this.deps.timers.add(timer);
    });
  }
}
