import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { settleRefund } from './credit-notes';
import { Faults } from './faults';
import { IdempotencyStore } from './idempotency';
import { buildRouter } from './router';
import { Pipeline } from './server';
import { Store } from './store';
import type { FakeStripe, FakeStripeOptions, RecordedRequest } from './types';

export type {
  FakeStripe,
  FakeStripeOptions,
  FakeStripeState,
  FaultControls,
  RecordedRequest,
  RefundControls,
  StripeObject,
} from './types';
export { signWebhookPayload } from './webhooks';

const HOST = '127.0.0.1';

/**
 * Starts an in-process, stateful imitation of the Stripe v1 API for the
 * customers / invoice items / invoices / credit notes and refunds flows, reachable by the real `stripe`
 * SDK via `{ host, port, protocol: 'http' }`.
 */
export async function startFakeStripe(opts: FakeStripeOptions = {}): Promise<FakeStripe> {
  const store = new Store(Stripe.API_VERSION, opts.now ?? (() => Math.floor(Date.now() / 1000)));
  const idempotency = new IdempotencyStore();
  const faults = new Faults();
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const pipeline = new Pipeline({
    store,
    router: buildRouter(),
    idempotency,
    faults,
    requests,
    apiKey: opts.apiKey,
    timers,
  });

  const server = createServer((req, res) => {
    pipeline.handle(req, res).catch((err: unknown) => {
      // Only reachable if the socket died mid-read; there is nobody left to answer.
      res.destroy(err instanceof Error ? err : undefined);
    });
  });
  // The SDK shares one keep-alive agent across clients. Node's default 5s idle
  // timeout can close a socket just as the SDK reuses it (ECONNRESET, which the
  // SDK then silently retries), so idle sockets are kept until close().
  server.keepAliveTimeout = 10 * 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    host: HOST,
    port,
    protocol: 'http',
    url: `http://${HOST}:${port}`,
    apiVersion: store.apiVersion,
    state: {
      customers: store.customers,
      invoiceItems: store.invoiceItems,
      invoices: store.invoices,
      creditNotes: store.creditNotes,
      refunds: store.refunds,
      charges: store.charges,
    },
    requests,
    faults,
    refunds: {
      createAs(status) {
        store.refundStatus = status;
      },
      settle: (refundId, status, failureReason) =>
        settleRefund(store, refundId, status, failureReason),
    },
    events: store.events,
    reset() {
      store.reset();
      idempotency.clear();
      faults.reset();
      requests.length = 0;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
