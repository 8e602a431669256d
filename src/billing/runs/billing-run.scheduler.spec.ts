import { billingRunCronProblem } from './billing-run.scheduler';

describe('billingRunCronProblem', () => {
  it.each(['off', '5 0 1 * *', '0 */6 * * *', '30 5 0 1 * *'])('accepts %p', (expression) => {
    expect(billingRunCronProblem(expression)).toBeUndefined();
  });

  it.each(['', 'monthly', '61 0 1 * *', '5 0 32 * *', '* * *'])('rejects %p', (expression) => {
    expect(billingRunCronProblem(expression)).toMatch(/^BILLING_RUN_CRON: /);
  });
});
