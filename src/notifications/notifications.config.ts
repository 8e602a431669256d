import { type ConfigOf, defineConfig } from '../config/config-fragment';
import { int, list, optionalString } from '../config/env-vars';
import { BILLING_EVENT_TYPES, type BillingEventType } from '../events';

/** What is announced when NOTIFY_EVENT_TYPES is unset. */
export const DEFAULT_NOTIFY_EVENT_TYPES: readonly BillingEventType[] = [
  'billing.invoice.finalized',
  'billing.payment.processed',
  'billing.period.closed',
];

const isEventType = (type: string): type is BillingEventType =>
  (BILLING_EVENT_TYPES as readonly string[]).includes(type);

// The URLs may carry a token (Slack's do) and the secret is one: problems name the entry by its
// position and never echo a value.
const webhookUrls = list.superRefine((urls, ctx) => {
  urls.forEach((url, index) => {
    const protocol = URL.canParse(url) ? new URL(url).protocol : undefined;
    if (protocol !== 'http:' && protocol !== 'https:') {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${index + 1} must be an http:// or https:// URL`,
      });
    } else if (urls.indexOf(url) < index) {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${index + 1} repeats entry ${urls.indexOf(url) + 1}`,
      });
    }
  });
});

const eventTypes = list.transform((types, ctx) => {
  for (const type of types.filter((t) => !isEventType(t))) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown event type "${type}" (valid: ${BILLING_EVENT_TYPES.join(', ')})`,
    });
  }
  const known = [...new Set(types.filter(isEventType))];
  return known.length > 0 ? known : [...DEFAULT_NOTIFY_EVENT_TYPES];
});

/**
 * Outbound notifications: billing events POSTed as JSON to the receivers in NOTIFY_WEBHOOK_URL,
 * signed with NOTIFY_WEBHOOK_SECRET when it is set. No URL → nothing is sent or queued.
 */
export const notificationsConfig = defineConfig(
  'notifications',
  {
    NOTIFY_WEBHOOK_URL: webhookUrls,
    NOTIFY_WEBHOOK_SECRET: optionalString.refine((v) => v === undefined || v.length >= 16, {
      message: 'must be at least 16 characters',
    }),
    NOTIFY_EVENT_TYPES: eventTypes,
    // A receiver's call ends within this. Kept well under the subscriber queue's 60 s lease, so a
    // slow receiver cannot let another instance take the event over and send it a second time.
    NOTIFY_TIMEOUT_MS: int(10_000, 100, 30_000),
  },
  (e) => ({
    urls: e.NOTIFY_WEBHOOK_URL,
    /** Signs every message when set; never logged. */
    secret: e.NOTIFY_WEBHOOK_SECRET,
    eventTypes: e.NOTIFY_EVENT_TYPES,
    timeoutMs: e.NOTIFY_TIMEOUT_MS,
  }),
  { secrets: (notifications) => [notifications.secret, ...notifications.urls] },
);

export type NotificationsConfig = ConfigOf<typeof notificationsConfig>;

declare module '../config/config-fragment' {
  interface ModuleConfigs {
    notifications: ConfigOf<typeof notificationsConfig>;
  }
}
