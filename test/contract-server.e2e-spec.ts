import { type AddressInfo, connect, type Socket } from 'node:net';
import { Clock } from '../src/common/time/clock';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp } from './support/test-app';

/** Issue 13, smaller defects of the HTTP surface: finished runs, a stray route, slow clients. */

interface Run {
  status: string;
  passes: number;
}

async function listen(t: TestApp): Promise<number> {
  const server = t.app.getHttpServer();
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  }
  return (server.address() as AddressInfo).port;
}

/**
 * A client that writes `head` and then one more chunk every `everyMs` for up to `budgetMs`,
 * never finishing its request. Resolves with what the server answered and whether the server
 * closed the connection while the client was still sending.
 */
function dribble(
  port: number,
  head: string,
  chunk: string,
  options: { everyMs: number; budgetMs: number },
): Promise<{ cutByServer: boolean; answer: string }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let answer = '';
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const done = (cutByServer: boolean) => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      clearTimeout(budget);
      socket.destroy();
      resolve({ cutByServer, answer });
    };
    const budget = setTimeout(() => done(false), options.budgetMs);
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => (answer += data));
    socket.on('close', () => done(true));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset while writing is the server cutting us off too.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') done(true);
      else if (!finished) reject(error);
    });
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (!socket.destroyed) socket.write(chunk);
      }, options.everyMs);
    });
  });
}

describe('HTTP surface (e2e)', () => {
  describe('slow clients are cut off', () => {
    let t: TestApp;
    let port: number;
    beforeAll(async () => {
      t = await startTestApp({
        env: { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' },
      });
      port = await listen(t);
    });
    afterAll(() => t.close());

    it('a client that sends its headers a line at a time gets 408 and is disconnected', async () => {
      const result = await dribble(
        port,
        'GET /health/live HTTP/1.1\r\nHost: localhost\r\n',
        'X-Slow: 1\r\n',
        { everyMs: 200, budgetMs: 20_000 },
      );
      expect(result.cutByServer).toBe(true);
      expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
    });

    it('a client that sends its body a byte at a time gets 408 and is disconnected', async () => {
      const result = await dribble(
        port,
        'POST /v1/usage HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
          'Content-Length: 10000\r\nAuthorization: Bearer x\r\n\r\n{',
        ' ',
        { everyMs: 100, budgetMs: 20_000 },
      );
      expect(result.cutByServer).toBe(true);
      expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
    });

    it('still serves ordinary requests', async () => {
      await t.http.get('/health/live').expect(200);
    });
  });

  describe('the Stripe library registers no route of its own', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        env: { STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_test_0123456789' },
      });
    });
    afterAll(() => t.close());

    it('POST /stripe/webhook is 404 NOT_FOUND like any unknown path, with or without a key', async () => {
      for (const headers of [{}, t.auth(), { 'Stripe-Signature': 't=1,v1=abc' }]) {
        const res = await t.http.post('/stripe/webhook').set(headers).send({ type: 'x' });
        expect({ headers, status: res.status, error: res.body.error }).toEqual({
          headers,
          status: 404,
          error: 'NOT_FOUND',
        });
      }
      const unknown = await t.http.post('/no/such/route').send({});
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toBe('NOT_FOUND');
    });
  });

  describe('re-posting a finished billing run', () => {
    let t: TestApp;
    const clock = new FakeClock('2026-03-10T12:00:00Z');
    beforeAll(async () => {
      t = await startTestApp({ overrides: [[Clock, clock]] });
    });
    afterAll(() => t.close());

    const getRun = async (): Promise<Run> =>
      (await t.http.get('/v1/billing-runs/2026-03').set(t.auth('read')).expect(200)).body as Run;

    it('answers 200 with the finished run and starts nothing', async () => {
      await t.http
        .post('/v1/customers')
        .set(t.auth())
        .send({ id: 'rerun', email: 'rerun@example.test', name: 'Rerun', planId: 'paid' })
        .expect(201);
      clock.set('2026-04-01T00:10:00Z');
      const started = await t.http
        .post('/v1/billing-runs')
        .set(t.auth())
        .send({ period: '2026-03' });
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ status: 'running', passes: 1 });
      const deadline = Date.now() + 20_000;
      let run = await getRun();
      while (run.status === 'running' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
        run = await getRun();
      }
      expect(run).toMatchObject({ status: 'completed', passes: 1 });

      const again = await t.http.post('/v1/billing-runs').set(t.auth()).send({ period: '2026-03' });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(run);
      expect(await getRun()).toEqual(run);
    });
  });
});
