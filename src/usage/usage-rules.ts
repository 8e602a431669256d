import { randomUUID } from 'node:crypto';
import { RESOURCE_ID_PATTERN } from '../common/http/resource-id.pipe';
import { jsonDecimalProblem, parseJsonDecimal } from '../common/money';
import { checkInstant } from '../common/time/instant';
import type { IngestError, UsageEvent } from './usage.model';

export const USAGE_RULES = {
  maxEndpointLength: 255,
  maxEventIdLength: 128,
  maxQuantity: '1000000',
  maxQuantityDecimals: 6,
  maxFutureMs: 5 * 60 * 1000,
  maxBatchSize: 1000,
};

const FIELDS = new Set(['customerId', 'endpoint', 'quantity', 'timestamp', 'eventId']);
const ENDPOINT = /^\/[\x21-\x7e]*$/;
/** Visible ASCII; the length is checked apart (`USAGE_RULES.maxEventIdLength`). */
export const EVENT_ID = /^[\x21-\x7e]+$/;
const QUANTITY_RULES = { maxDecimalPlaces: USAGE_RULES.maxQuantityDecimals, maxIntegerDigits: 7 };

/**
 * A usage quantity as ingest takes it (a JSON number or a plain decimal string, 0 to 1,000,000,
 * at most 6 decimal places), in canonical form ("007.50" → "7.5"), or what is wrong with it.
 * Amending an event takes the same rule.
 */
export function checkQuantity(raw: unknown): { quantity: string } | { problem: string } {
  const problem = jsonDecimalProblem(raw, QUANTITY_RULES);
  if (problem) return { problem };
  const exact = parseJsonDecimal(raw, QUANTITY_RULES);
  if (exact.greaterThan(USAGE_RULES.maxQuantity)) {
    return { problem: `must be at most ${USAGE_RULES.maxQuantity}` };
  }
  return { quantity: exact.toFixed() };
}

export type Checked = { event: UsageEvent } | { error: IngestError };

const invalid = (field: string, message: string): Checked => ({
  error: { code: 'INVALID_USAGE', message: `${field}: ${message}`, field },
});

/**
 * Validates and normalises one usage event (DESIGN §4 usage rules). Pure: time comes in as `now`.
 * Returns the first problem found, as a per-event error, so one bad event in a batch never sinks
 * the others.
 */
export function checkUsageEvent(raw: unknown, now: Date, maxAgeDays: number): Checked {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return invalid('event', 'must be an object');
  }
  const input = raw as Record<string, unknown>;
  const unknown = Object.keys(input).find((k) => !FIELDS.has(k));
  if (unknown !== undefined) return invalid(unknown, 'is not a usage field');

  const { customerId, endpoint } = input;
  if (typeof customerId !== 'string' || !RESOURCE_ID_PATTERN.test(customerId)) {
    return invalid('customerId', 'must be a customer id');
  }
  if (
    typeof endpoint !== 'string' ||
    endpoint.length > USAGE_RULES.maxEndpointLength ||
    !ENDPOINT.test(endpoint)
  ) {
    return invalid('endpoint', `must start with "/" and be at most 255 visible characters`);
  }

  // Absent means 1; null is refused like any other non-decimal (README "Usage rules").
  const quantity = checkQuantity(input.quantity === undefined ? '1' : input.quantity);
  if ('problem' in quantity) return invalid('quantity', quantity.problem);

  let timestamp = now;
  if (input.timestamp !== undefined) {
    const checked = checkInstant(input.timestamp, 'date-time');
    if (!checked.ok) return invalid('timestamp', checked.problem);
    timestamp = checked.date;
  }
  if (timestamp.getTime() > now.getTime() + USAGE_RULES.maxFutureMs) {
    return invalid('timestamp', 'must not be more than 5 minutes in the future');
  }
  if (timestamp.getTime() < now.getTime() - maxAgeDays * 86_400_000) {
    return invalid('timestamp', `must not be older than ${maxAgeDays} days`);
  }

  let eventId: string;
  if (input.eventId === undefined) {
    eventId = randomUUID();
  } else if (
    typeof input.eventId !== 'string' ||
    input.eventId.length > USAGE_RULES.maxEventIdLength ||
    !EVENT_ID.test(input.eventId)
  ) {
    return invalid('eventId', 'must be 1-128 visible ASCII characters');
  } else {
    eventId = input.eventId;
  }

  const iso = timestamp.toISOString();
  return {
    event: {
      customerId,
      eventId,
      endpoint,
      // Canonical form ("007.50" → "7.5") so equal quantities are stored alike.
      quantity: quantity.quantity,
      timestamp: iso,
      day: iso.slice(0, 10),
      period: iso.slice(0, 7),
      timestampGiven: input.timestamp !== undefined,
    },
  };
}
