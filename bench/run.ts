import { startBenchApp } from './lib/app-process';
import { formatRows, type Row } from './lib/report';
import { benchBillingRuns } from './billing-run.bench';
import { benchUsage } from './usage.bench';

/**
 * `npm run bench`: starts the built app on its embedded DynamoDB Local and measures the hot paths
 * next to the store's own raw rates, in one run. Absolute numbers on a small machine are noisy;
 * the ratios are what to compare.
 */
async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const app = await startBenchApp();
  const rows: Row[] = [];
  try {
    rows.push(...(await benchUsage(app)));
  } finally {
    await app.stop();
  }
  // Billing runs start apps of their own (1,000 and 10,000 customers each need a fresh table).
  rows.push(...(await benchBillingRuns()));
  console.log(`\n${formatRows(rows)}\n`);
  const failures = rows.reduce((sum, r) => sum + (r.failures ?? 0), 0);
  if (failures > 0) console.log(`${failures} requests failed during the run`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
