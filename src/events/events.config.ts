import { type ConfigOf, defineConfig } from '../config/config-fragment';
import { bool, optionalString, optionalUrl } from '../config/env-vars';

/** Billing events: the EventBridge bus (none → the log) and whether events are written at all. */
export const eventsConfig = defineConfig(
  'events',
  {
    EVENTBRIDGE_BUS: optionalString,
    EVENTBRIDGE_ENDPOINT: optionalUrl('http://localhost:4010'),
    BILLING_ENABLE_EVENT_PUBLISHING: bool(true),
  },
  (e) => ({
    bus: e.EVENTBRIDGE_BUS,
    endpoint: e.EVENTBRIDGE_ENDPOINT,
    publishingEnabled: e.BILLING_ENABLE_EVENT_PUBLISHING,
  }),
);

declare module '../config/config-fragment' {
  interface ModuleConfigs {
    events: ConfigOf<typeof eventsConfig>;
  }
}
