/**
 * Runs in a fresh Node process (see lambda.bench.ts): loads the built `dist/lambda.js` as the
 * Lambda runtime would and times the cold start, then warm invocations, of its `http` handler.
 * `seed` mode only creates the customer the measurements read. Prints one JSON line.
 */
import { resolve } from 'node:path';
import { apiGatewayEvent, lambdaContext } from '../test/support/api-gateway';

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode?: number }>;
interface LambdaModule {
  http: Handler;
  closeLambdaApp(): Promise<void>;
}

const CUSTOMER = 'bench-lambda-customer';
const auth = { authorization: `Bearer ${process.env.BENCH_ADMIN_KEY ?? ''}` };
const health = () => apiGatewayEvent({ method: 'GET', path: '/health/live' });
const customer = () =>
  apiGatewayEvent({ method: 'GET', path: `/v1/customers/${CUSTOMER}`, headers: auth });

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function invoke(lambda: LambdaModule, event: unknown, expected: number): Promise<void> {
  const result = await lambda.http(event, lambdaContext());
  if (result.statusCode !== expected) {
    throw new Error(`expected ${expected}, got ${result.statusCode}`);
  }
}

async function main(): Promise<void> {
  const [mode, warmCount = '300'] = process.argv.slice(2);
  const dist = resolve(__dirname, '..', process.env.BENCH_APP_DIST ?? 'dist', 'lambda.js');
  let lambda: LambdaModule | undefined;
  const load = await timed(() => {
    // As the Lambda Node runtime loads a CommonJS handler module.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    lambda = require(dist) as LambdaModule;
    return Promise.resolve();
  });
  const fn = lambda!;
  if (mode === 'seed') {
    const created = await fn.http(
      apiGatewayEvent({
        method: 'POST',
        path: '/v1/customers',
        headers: auth,
        body: { id: CUSTOMER, email: 'bench@example.test', name: 'Bench', planId: 'paid' },
      }),
      lambdaContext(),
    );
    if (created.statusCode !== 201 && created.statusCode !== 409) {
      throw new Error(`seeding the customer: ${created.statusCode}`);
    }
    await fn.closeLambdaApp();
    console.log(JSON.stringify({ seeded: true }));
    return;
  }
  const firstHealth = await timed(() => invoke(fn, health(), 200));
  const firstCustomer = await timed(() => invoke(fn, customer(), 200));
  const warm = { health: [] as number[], customer: [] as number[] };
  const count = Number(warmCount);
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    warm.health.push(await timed(() => invoke(fn, health(), 200)));
    warm.customer.push(await timed(() => invoke(fn, customer(), 200)));
  }
  const seconds = (performance.now() - started) / 1000;
  await fn.closeLambdaApp();
  console.log(JSON.stringify({ load, firstHealth, firstCustomer, warm, seconds }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
