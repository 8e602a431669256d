import { ConfigValidationError, loadConfig } from '../config/configuration';
import { BILLING_EVENT_TYPES } from '../events';
import './notifications.config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
};

describe('notifications configuration', () => {
  it('is off by default, with the three default event types and a 10 s timeout', () => {
    expect(loadConfig({}).notifications).toEqual({
      urls: [],
      secret: undefined,
      eventTypes: [
        'billing.invoice.finalized',
        'billing.payment.processed',
        'billing.period.closed',
      ],
      timeoutMs: 10_000,
    });
  });

  it('reads several receivers, the secret, the event types and the timeout', () => {
    const config = loadConfig({
      NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/a , http://10.0.0.5:8080/billing',
      NOTIFY_WEBHOOK_SECRET: 'notify_secret_0123456789',
      NOTIFY_EVENT_TYPES: 'billing.customer.created,billing.invoice.finalized',
      NOTIFY_TIMEOUT_MS: '2500',
    });
    expect(config.notifications).toEqual({
      urls: ['https://hooks.example.com/a', 'http://10.0.0.5:8080/billing'],
      secret: 'notify_secret_0123456789',
      eventTypes: ['billing.customer.created', 'billing.invoice.finalized'],
      timeoutMs: 2500,
    });
    // Redacted from every log line: the secret, and the URLs (they may carry a token).
    expect(config.secrets).toEqual(
      expect.arrayContaining([
        'notify_secret_0123456789',
        'https://hooks.example.com/a',
        'http://10.0.0.5:8080/billing',
      ]),
    );
  });

  it('lists every problem at once, naming the entry and never echoing a URL', () => {
    const problems = problemsOf({
      NOTIFY_WEBHOOK_URL:
        'ftp://files.example.com/x,https://ok.example.com/hook,not a url,https://ok.example.com/hook',
      NOTIFY_EVENT_TYPES: 'billing.invoice.finalized,billing.invoice.paid,invoice.finalized',
      NOTIFY_WEBHOOK_SECRET: 'short',
      NOTIFY_TIMEOUT_MS: '60000',
    });
    expect(problems).toEqual([
      'NOTIFY_WEBHOOK_URL: entry 1 must be an http:// or https:// URL',
      'NOTIFY_WEBHOOK_URL: entry 3 must be an http:// or https:// URL',
      'NOTIFY_WEBHOOK_URL: entry 4 repeats entry 2',
      'NOTIFY_WEBHOOK_SECRET: must be at least 16 characters',
      `NOTIFY_EVENT_TYPES: unknown event type "billing.invoice.paid" (valid: ${BILLING_EVENT_TYPES.join(', ')})`,
      `NOTIFY_EVENT_TYPES: unknown event type "invoice.finalized" (valid: ${BILLING_EVENT_TYPES.join(', ')})`,
      'NOTIFY_TIMEOUT_MS: must be between 100 and 30000, got 60000',
    ]);
    expect(problems.join('\n')).not.toMatch(/files\.example|ok\.example|short/);
  });
});
