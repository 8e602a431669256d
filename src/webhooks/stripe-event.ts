import { InvalidWebhookEvent } from './webhook.errors';

/**
 * The part of a Stripe event we rely on. Objects inside are read through the accessors below
 * rather than typed as `Stripe.Invoice` etc.: a signed event is authentic, but its shape depends
 * on the API version of the endpoint, so every field is checked where it is used.
 */
export interface StripeEvent {
  id: string;
  type: string;
  /** Epoch seconds, Stripe's clock: the order in which things happened at Stripe. */
  created: number;
  livemode: boolean;
  api_version: string | null;
  data: { object: StripeObject; previous_attributes?: StripeObject };
}

export type StripeObject = Record<string, unknown>;

/** Event ids become part of table keys: no `#`, bounded length. */
export const STRIPE_EVENT_ID = /^[A-Za-z0-9_]{1,255}$/;

const isObject = (value: unknown): value is StripeObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks the envelope of a verified body; a signed body that is not an event is a 400. */
export function parseStripeEvent(parsed: unknown): StripeEvent {
  if (!isObject(parsed)) throw new InvalidWebhookEvent('not a JSON object');
  const { id, type, created, data } = parsed;
  if (typeof id !== 'string' || !STRIPE_EVENT_ID.test(id)) {
    throw new InvalidWebhookEvent('id must be a Stripe event id');
  }
  if (typeof type !== 'string' || type.length === 0 || type.length > 255) {
    throw new InvalidWebhookEvent('type is missing');
  }
  if (typeof created !== 'number' || !Number.isSafeInteger(created) || created < 0) {
    throw new InvalidWebhookEvent('created must be epoch seconds');
  }
  if (!isObject(data) || !isObject(data.object)) {
    throw new InvalidWebhookEvent('data.object is missing');
  }
  return {
    id,
    type,
    created,
    livemode: parsed.livemode === true,
    api_version: typeof parsed.api_version === 'string' ? parsed.api_version : null,
    data: {
      object: data.object,
      ...(isObject(data.previous_attributes)
        ? { previous_attributes: data.previous_attributes }
        : {}),
    },
  };
}

export function stringField(object: StripeObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Stripe amounts and counts are integers; anything else is treated as absent. */
export function integerField(object: StripeObject, key: string): number | undefined {
  const value = object[key];
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

export function objectField(object: StripeObject, key: string): StripeObject | undefined {
  const value = object[key];
  return isObject(value) ? value : undefined;
}

/** String values of `metadata` (Stripe's metadata is string → string). */
export function metadataOf(object: StripeObject): Record<string, string> {
  const metadata = objectField(object, 'metadata') ?? {};
  return Object.fromEntries(
    Object.entries(metadata).filter((entry): entry is [string, string] => {
      return typeof entry[1] === 'string' && entry[1].length > 0;
    }),
  );
}

/** An id reference that may be expanded: `"cus_123"` or `{ "id": "cus_123", ... }`. */
export function referencedId(object: StripeObject, key: string): string | undefined {
  const value = object[key];
  if (typeof value === 'string' && value.length > 0) return value;
  return isObject(value) ? stringField(value, 'id') : undefined;
}

export const isoFromEpochSeconds = (seconds: number): string =>
  new Date(seconds * 1000).toISOString();
