import { startBenchApp } from './lib/app-process';
import { formatRows, type Row } from './lib/report';
import { benchBillingRuns } from './billing-run.bench';
import { benchCosts } from './cost.bench';
import { benchFloor, FLOOR_NOTE } from './floor.bench';
import { benchLambda } from './lambda.bench';
import { benchUsage } from './usage.bench';

const SUITES = ['floor', 'usage', 'billing', 'lambda'] as const;
type Suite = (typeof SUITES)[number];

/**
 * What to run, from the arguments: suite names (`floor`, `usage`, `billing`, `lambda`; none = all)
 * and `--stripe` (billing runs against the fake Stripe API as well). `npm run bench -- billing --stripe`.
 */
function parseArgs(args: string[]): { suites: Set<Suite>; stripe: boolean } {
  const suites = new Set<Suite>();
  let stripe = false;
  for (const arg of args) {
    if (arg === '--stripe') stripe = true;
    else if ((SUITES as readonly string[]).includes(arg)) suites.add(arg as Suite);
    else throw new Error(`unknown argument "${arg}"; use ${SUITES.join(', ')} and/or --stripe`);
  }
  return { suites: suites.size > 0 ? suites : new Set(SUITES), stripe };
}

/**
 * `npm run bench`: starts the built app on its embedded DynamoDB Local and measures the hot paths
 * next to the store's own raw rates, in one run. Absolute numbers on a small machine are noisy;
 * the ratios are what to compare.
 */
async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { suites, stripe } = parseArgs(process.argv.slice(2));
  const rows: Row[] = [];
  const notes: string[] = [];
  // Minimal servers (bare Node http up to Nest + pino + helmet), each in a process of its own.
  if (suites.has('floor')) {
    rows.push(...(await benchFloor()));
    notes.push(FLOOR_NOTE);
  }
  if (suites.has('usage')) {
    const app = await startBenchApp();
    try {
      rows.push(...(await benchUsage(app)));
    } finally {
      await app.stop();
    }
    // Request units on DynamoDB: a fresh app behind a metering proxy (see bench/lib/store-meter).
    const cost = await benchCosts();
    rows.push(...cost.rows);
    notes.push(cost.details);
  }
  // Billing runs start apps of their own (1,000 and 10,000 customers each need a fresh table).
  if (suites.has('billing')) rows.push(...(await benchBillingRuns({ withStripe: stripe })));
  // The Lambda handlers (dist/lambda.js) in fresh processes, on a store of their own.
  if (suites.has('lambda')) rows.push(...(await benchLambda()));
  console.log(`\n${formatRows(rows)}\n`);
  for (const note of notes) console.log(`${note}\n`);
  const failures = rows.reduce((sum, r) => sum + (r.failures ?? 0), 0);
  if (failures > 0) console.log(`${failures} requests failed during the run`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
