import Stripe from 'stripe';
import type { Response } from 'supertest';
import { Clock } from '../../src/common/time/clock';
import type { BillingEvent } from '../../src/events/billing-event.model';
import {
  EventPublisher,
  type PublishResult,
  type PublisherStatus,
} from '../../src/events/event-publisher';
import { EventsOptions } from '../../src/events/events.options';
import { FakeClock } from './fake-clock';
import { startTestApp, type TestApp } from './test-app';

export const WEBHOOK_SECRET = 'whsec_test_webhooks_0123456789abcdef';
/** After March 2026 ended, so March invoices can be finalized; usage in March is in the window. */
export const NOW = '2026-04-02T10:00:00.000Z';
export const PERIOD = '2026-03';

/** Keeps what the outbox relay publishes, so tests can assert on billing events. */
export class RecordingPublisher extends EventPublisher {
  readonly events: BillingEvent[] = [];

  async publish(events: BillingEvent[]): Promise<PublishResult> {
    this.events.push(...events);
    return { failed: [] };
  }

  status(): PublisherStatus {
    return { target: 'log', breaker: 'closed' };
  }
}

type Obj = Record<string, unknown>;

export interface OurInvoice {
  id: string;
  customerId: string;
  period: string;
  currency: string;
  total: string;
  status: string;
}

/** The app with a webhook secret, a hand-moved clock and a recording event publisher. */
export class WebhookHarness {
  private seq = 0;

  private constructor(
    readonly t: TestApp,
    readonly clock: FakeClock,
    readonly published: RecordingPublisher,
  ) {}

  static async start(env: Record<string, string | undefined> = {}): Promise<WebhookHarness> {
    const clock = new FakeClock(NOW);
    const published = new RecordingPublisher();
    const t = await startTestApp({
      env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, ...env },
      overrides: [
        [Clock, clock],
        [EventPublisher, published],
        [EventsOptions, new EventsOptions({ pollIntervalMs: 10, idlePollIntervalMs: 10 })],
      ],
    });
    return new WebhookHarness(t, clock, published);
  }

  close(): Promise<void> {
    return this.t.close();
  }

  /** Unix seconds on the test clock, offset by `seconds`. */
  epoch(seconds = 0): number {
    return Math.floor(this.clock.now().getTime() / 1000) + seconds;
  }

  /** A Stripe-shaped event (as the API version we pin sends them). */
  event(type: string, object: Obj, options: { id?: string; created?: number } = {}): Obj {
    this.seq += 1;
    return {
      id: options.id ?? `evt_test${Date.now().toString(36)}${this.seq}`,
      object: 'event',
      api_version: '2026-02-25.clover',
      created: options.created ?? this.epoch(),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
  }

  /** The Stripe invoice behind one of ours, carrying our metadata as our push sets it. */
  stripeInvoice(invoice: OurInvoice, fields: Obj = {}): Obj {
    const minor = Math.round(Number(invoice.total) * 100);
    return {
      id: `in_${invoice.id.replace(/[^A-Za-z0-9]/g, '')}`,
      object: 'invoice',
      customer: `cus_${invoice.customerId.replace(/[^A-Za-z0-9]/g, '')}`,
      currency: invoice.currency.toLowerCase(),
      amount_due: minor,
      amount_paid: 0,
      amount_remaining: minor,
      attempt_count: 0,
      status: 'open',
      status_transitions: {},
      metadata: { invoiceId: invoice.id, customerId: invoice.customerId, period: invoice.period },
      ...fields,
    };
  }

  /** Signs like Stripe (the SDK's own test helper), on the test clock unless told otherwise. */
  sign(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
    return Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: options.secret ?? WEBHOOK_SECRET,
      timestamp: options.timestamp ?? this.epoch(),
    });
  }

  deliver(event: Obj, options: { secret?: string; timestamp?: number } = {}) {
    const payload = JSON.stringify(event);
    return this.post(payload, this.sign(payload, options));
  }

  post(payload: string, signature?: string) {
    const req = this.t.http.post('/v1/webhooks/stripe').set('Content-Type', 'application/json');
    return (signature === undefined ? req : req.set('Stripe-Signature', signature)).send(payload);
  }

  async createCustomer(id: string): Promise<void> {
    await this.t.http
      .post('/v1/customers')
      .set(this.t.auth())
      .send({ id, email: `${id}@example.test`, name: id, planId: 'paid' })
      .expect(201);
  }

  /** A customer with 2,000 units in March: a USD 10.00 draft invoice. */
  async draftInvoice(customerId: string): Promise<OurInvoice> {
    await this.createCustomer(customerId);
    await this.t.http
      .post('/v1/usage')
      .set(this.t.auth('ingest'))
      .send({ customerId, endpoint: '/api/x', quantity: 2000, timestamp: '2026-03-15T12:00:00Z' })
      .expect(201);
    const res = await this.t.http
      .post('/v1/invoices')
      .set(this.t.auth())
      .send({ customerId, period: PERIOD })
      .expect(201);
    expect(res.body).toMatchObject({ status: 'draft', total: '10.00' });
    return res.body as OurInvoice;
  }

  async invoice(id: string): Promise<Obj> {
    return (await this.t.http.get(`/v1/invoices/${id}`).set(this.t.auth('read')).expect(200))
      .body as Obj;
  }

  async customer(id: string): Promise<Obj> {
    return (await this.t.http.get(`/v1/customers/${id}`).set(this.t.auth('read')).expect(200))
      .body as Obj;
  }

  /** The stored inbox entry (admin read). */
  inbox(eventId: string): Promise<Response> {
    return this.t.http.get(`/v1/webhooks/stripe/events/${eventId}`).set(this.t.auth());
  }

  /** Published billing events of a type (and, optionally, matching `data`), once they arrive. */
  async publishedEvents(type: string, data: Obj = {}, atLeast = 1): Promise<BillingEvent[]> {
    const matching = () =>
      this.published.events.filter(
        (e) =>
          e.type === type &&
          Object.entries(data).every(([k, v]) => JSON.stringify(e.data[k]) === JSON.stringify(v)),
      );
    const deadline = Date.now() + 5_000;
    while (matching().length < atLeast && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // A little longer, so a duplicate that is on its way is seen too.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return matching();
  }
}
