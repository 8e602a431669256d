import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { LogDestination } from '../src/common/logging';
import { Clock } from '../src/common/time/clock';
import { startFakeStripe, type FakeStripe } from './fakes/fake-stripe';
import { FakeClock } from './support/fake-clock';
import { startTestApp, TEST_KEYS, type TestApp } from './support/test-app';

/*
 * A representative flow with logging at `trace`, captured: no API key, Stripe secret key, webhook
 * secret, Stripe-Signature value or bearer token may appear in any log line, console output or
 * response — including when Stripe answers with an error that echoes what it was sent.
 */

const hex = () => randomBytes(12).toString('hex');
const STRIPE_KEY = `sk_test_hardening_${hex()}`;
const WEBHOOK_SECRET = `whsec_hardening_${hex()}`;
/** A bearer token that is not a configured key: a client's secret all the same. */
const UNKNOWN_BEARER = `k_unknown_${hex()}`;

const NOW = '2026-02-20T12:00:00Z';
/** Signed at the service's (frozen) time: it measures a signature's age on its own clock. */
const sign = (payload: string, secret = WEBHOOK_SECRET, at = Math.floor(Date.parse(NOW) / 1000)) =>
  `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${payload}`).digest('hex')}`;

/** Everything the service wrote: pino lines, console calls, stdout and stderr. */
class Capture {
  readonly lines: string[] = [];
  private readonly restore: (() => void)[] = [];

  readonly destination: LogDestination = { write: (line: string) => void this.lines.push(line) };

  start(): void {
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      const spy = jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        this.lines.push(args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' '));
      });
      this.restore.push(() => spy.mockRestore());
    }
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = (chunk: unknown, ...rest: unknown[]) => {
        this.lines.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
        return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      };
      this.restore.push(() => (stream.write = original));
    }
  }

  stop(): void {
    for (const undo of this.restore.splice(0)) undo();
  }

  get text(): string {
    return this.lines.join('\n');
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A Stripe stand-in that rejects every call with an error quoting the whole request back,
 * Authorization header included: the worst an upstream error message can do.
 */
async function startEchoingStripe(): Promise<{ server: Server; port: number; status: number }> {
  const echo = { status: 400 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({
        error: {
          type: 'invalid_request_error',
          code: 'parameter_invalid',
          param: 'authorization',
          message: `Invalid request (${req.headers.authorization}): ${Buffer.concat(chunks).toString('utf8')}`,
        },
      });
      res.writeHead(echo.status, { 'content-type': 'application/json', 'request-id': 'req_echo' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(echo, { server, port: (server.address() as AddressInfo).port });
}

describe('Hardening: secrets never leak (e2e)', () => {
  const capture = new Capture();
  const clock = new FakeClock(NOW);
  const responses: string[] = [];
  const signatures: string[] = [];
  let stripe: FakeStripe;
  let t: TestApp;

  const stripeEnv = (port: number) => ({
    LOG_LEVEL: 'trace',
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_HOST: '127.0.0.1',
    STRIPE_API_PORT: String(port),
    STRIPE_API_PROTOCOL: 'http',
  });

  /** Records a response (status line, headers, body) for the leak check, and returns it. */
  const seen = <R extends { status: number; headers: object; text: string }>(res: R): R => {
    responses.push(`${res.status} ${JSON.stringify(res.headers)} ${res.text}`);
    return res;
  };

  const deliver = async (app: TestApp, event: object, signature?: string) => {
    const payload = JSON.stringify(event);
    const header = signature ?? sign(payload);
    signatures.push(header, ...header.split(',').map((part) => part.split('=')[1] ?? part));
    return seen(
      await app.http
        .post('/v1/webhooks/stripe')
        .set('Content-Type', 'application/json')
        .set('Stripe-Signature', header)
        .send(payload),
    );
  };

  beforeAll(async () => {
    capture.start();
    stripe = await startFakeStripe({ apiKey: STRIPE_KEY });
    t = await startTestApp({
      env: stripeEnv(stripe.port),
      overrides: [
        [Clock, clock],
        [LogDestination, capture.destination],
      ],
    });
  });
  afterAll(async () => {
    await t?.close();
    await stripe?.close();
    capture.stop();
  });

  it('runs the flow without a secret in any log line or response', async () => {
    const admin = t.auth('admin');
    seen(
      await t.http
        .post('/v1/customers')
        .set(admin)
        .send({ id: 'leak-1', email: 'leak@example.test', name: 'Leak', planId: 'paid' })
        .expect(201),
    );
    seen(
      await t.http
        .post('/v1/usage')
        .set(t.auth('ingest'))
        .send({
          customerId: 'leak-1',
          endpoint: '/api/a',
          quantity: 1500,
          timestamp: '2026-01-20T10:00:00Z',
        })
        .expect(201),
    );
    seen(
      await t.http
        .post('/v1/usage/batch')
        .set(t.auth('ingest'))
        .send({
          events: [
            {
              customerId: 'leak-1',
              endpoint: '/api/b',
              quantity: 2,
              timestamp: '2026-01-21T10:00:00Z',
            },
            { customerId: 'nobody', endpoint: '/api/b' },
          ],
        })
        .expect(200),
    );
    seen(
      await t.http
        .post('/v1/pricing/quote')
        .set(t.auth('read'))
        .send({ planId: 'paid', usage: { '/api/a': 1500 } })
        .expect(200),
    );
    const invoice = seen(
      await t.http
        .post('/v1/invoices')
        .set(admin)
        .send({ customerId: 'leak-1', period: '2026-01' }),
    );
    expect(invoice.status).toBe(201);
    const open = seen(await t.http.post(`/v1/invoices/${invoice.body.id}/finalize`).set(admin));
    expect(open.status).toBe(200);
    expect(open.body.provider.invoiceId).toMatch(/^in_/);

    // Rejections: invalid body, unknown key, no key, unknown id.
    seen(await t.http.post('/v1/customers').set(admin).send({ id: '#', email: 'x' }).expect(400));
    seen(
      await t.http
        .get('/v1/customers')
        .set('Authorization', `Bearer ${UNKNOWN_BEARER}`)
        .expect(401),
    );
    seen(await t.http.get('/v1/customers').expect(401));
    seen(await t.http.get('/v1/customers/nobody').set(t.auth('read')).expect(404));

    // Webhooks: a forged signature (400), then Stripe's own events, correctly signed.
    const forged = await deliver(
      t,
      { id: 'evt_forged', type: 'invoice.paid' },
      sign('{}', 'whsec_wrong'),
    );
    expect(forged.status).toBe(400);
    await new Stripe(STRIPE_KEY, {
      host: stripe.host,
      port: stripe.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    }).invoices.pay(open.body.provider.invoiceId as string, { paid_out_of_band: true });
    expect(stripe.events.length).toBeGreaterThan(0);
    for (const event of stripe.events) {
      const delivered = await deliver(t, event);
      expect(delivered.status).toBe(200);
    }
    const paid = seen(await t.http.get(`/v1/invoices/${invoice.body.id}`).set(t.auth('read')));
    expect(paid.body.status).toBe('paid');
    seen(await t.http.get('/v1/webhooks/stripe/events?status=processed').set(admin).expect(200));
    seen(await t.http.get('/v1/audit').set(admin).expect(200));

    // The capture works: the requests above are in the log.
    expect(capture.text).toContain('/v1/invoices');
    expect(capture.text).toContain('/v1/webhooks/stripe');
    expect(capture.text).toMatch(/"statusCode":401/);
    // And Stripe really was called with the key.
    expect(stripe.requests.length).toBeGreaterThan(0);
  });

  it('does not pass on a key that Stripe echoes back in an error', async () => {
    const echo = await startEchoingStripe();
    const echoing = await startTestApp({
      env: stripeEnv(echo.port),
      overrides: [
        [Clock, clock],
        [LogDestination, capture.destination],
      ],
    });
    try {
      const admin = echoing.auth('admin');
      seen(
        await echoing.http
          .post('/v1/customers')
          .set(admin)
          .send({ id: 'echo-1', email: 'echo@example.test', name: 'Echo', planId: 'paid' }),
      );
      seen(
        await echoing.http
          .post('/v1/usage')
          .set(echoing.auth('ingest'))
          .send({
            customerId: 'echo-1',
            endpoint: '/api/a',
            quantity: 5000,
            timestamp: '2026-01-25T10:00:00Z',
          })
          .expect(201),
      );
      const invoice = seen(
        await echoing.http
          .post('/v1/invoices')
          .set(admin)
          .send({ customerId: 'echo-1', period: '2026-01' }),
      );
      // Stripe refuses the push with its echo: a 422 carrying Stripe's message, masked.
      const finalize = seen(
        await echoing.http.post(`/v1/invoices/${invoice.body.id}/finalize`).set(admin),
      );
      expect(finalize.status).toBe(422);
      expect(finalize.body.error).toBe('STRIPE_REJECTED');
      expect(finalize.body.message).toContain('Bearer ****');
      // Refused as unauthenticated: 503 (our configuration's fault), logged with Stripe's error.
      echo.status = 401;
      const refused = seen(
        await echoing.http.post(`/v1/invoices/${invoice.body.id}/finalize`).set(admin),
      );
      expect(refused.status).toBe(503);
      expect(capture.text).toContain('Invalid request (Bearer [REDACTED])');
    } finally {
      await echoing.close();
      await new Promise((resolve) => echo.server.close(resolve));
    }
  });

  it('leaves no secret in the captured output or the responses', () => {
    const secrets: Record<string, string> = {
      'admin key': TEST_KEYS.admin,
      'ingest key': TEST_KEYS.ingest,
      'read key': TEST_KEYS.read,
      'Stripe secret key': STRIPE_KEY,
      'webhook secret': WEBHOOK_SECRET,
      'unknown bearer token': UNKNOWN_BEARER,
      ...Object.fromEntries(
        signatures.filter((s) => s.length >= 16).map((s, i) => [`Stripe-Signature part ${i}`, s]),
      ),
    };
    const haystacks = { logs: capture.text, responses: responses.join('\n') };
    const leaks = Object.entries(haystacks).flatMap(([where, text]) =>
      Object.entries(secrets)
        .filter(([, secret]) => text.includes(secret))
        .map(([what]) => `${what} in ${where}`),
    );
    expect(leaks).toEqual([]);
    expect(capture.lines.length).toBeGreaterThan(20);
  });
});
