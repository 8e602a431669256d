import { DomainError } from '../common/errors/domain-error';

/** Missing, forged, tampered or expired `Stripe-Signature`: nothing is stored or changed. */
export class InvalidWebhookSignature extends DomainError {
  constructor(reason: string) {
    super(
      'INVALID_SIGNATURE',
      'invalid',
      'The Stripe-Signature header does not match the body, or its timestamp is outside the 5-minute tolerance',
      { reason },
    );
  }
}

/** Correctly signed, but not a Stripe event we can store (no id, type, created or object). */
export class InvalidWebhookEvent extends DomainError {
  constructor(problem: string) {
    super('INVALID_EVENT', 'invalid', `The webhook body is not a Stripe event: ${problem}`);
  }
}

/**
 * No STRIPE_WEBHOOK_SECRET: events cannot be verified, so none is accepted. 503 (not 404) so
 * Stripe keeps retrying and nothing is lost while the secret is being configured.
 */
export class WebhooksNotConfigured extends DomainError {
  constructor() {
    super(
      'WEBHOOKS_NOT_CONFIGURED',
      'unavailable',
      'Stripe webhooks are not configured on this service (STRIPE_WEBHOOK_SECRET is not set)',
    );
  }
}

export class WebhookEventNotFound extends DomainError {
  constructor(eventId: string) {
    super('WEBHOOK_EVENT_NOT_FOUND', 'not_found', `Webhook event ${eventId} not found`);
  }
}

/** A delivery or replay is processing the event right now. */
export class WebhookEventInProgress extends DomainError {
  constructor(eventId: string) {
    super(
      'WEBHOOK_EVENT_IN_PROGRESS',
      'conflict',
      `Webhook event ${eventId} is being processed; retry once it is done`,
    );
  }
}

/**
 * A handler failed; the inbox entry is `failed` and the event will be processed again on
 * redelivery or replay. Deliberately not a DomainError: the answer must be a 5xx so that Stripe
 * retries (500, or 503 when the cause is the data store being unreachable; the error filter
 * follows `cause`).
 */
export class WebhookProcessingFailed extends Error {
  constructor(
    readonly eventId: string,
    cause: unknown,
  ) {
    super(`Processing webhook event ${eventId} failed: ${describeError(cause)}`, { cause });
    this.name = 'WebhookProcessingFailed';
  }
}

/** One line for the inbox entry's `error`: enough to act on, bounded in size. */
export function describeError(error: unknown): string {
  const text =
    error instanceof Error
      ? `${error.name}: ${error.message}`
      : `Non-error thrown: ${String(error)}`;
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}
