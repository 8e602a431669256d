/**
 * Every error code the API answers, with an example of its message (and details) for the
 * OpenAPI document. A code a route declares with `@ApiErrors` must be here: building the
 * document fails otherwise, so a new code cannot ship without an example.
 */
export interface ErrorExample {
  message: string;
  details?: Record<string, unknown>;
}

const fields = (field: string, message: string) => ({ fields: [{ field, messages: [message] }] });

export const ERROR_CATALOGUE: Record<string, ErrorExample> = {
  // Request shape (any route): body parser, validation pipe, route ids.
  VALIDATION_FAILED: {
    message: 'Request validation failed',
    details: fields('email', 'email must be an email'),
  },
  MALFORMED_JSON: { message: 'The request body is not valid JSON' },
  UNREADABLE_BODY: { message: 'The request body could not be read' },
  UNSUPPORTED_MEDIA_TYPE: { message: 'The request body could not be read' },
  PAYLOAD_TOO_LARGE: { message: 'The request body is larger than 65536 bytes' },
  INVALID_CURSOR: { message: 'The cursor is not one this API returned' },
  INVALID_DECIMAL: {
    message: 'quantity must have at most 6 decimal places',
    details: { reason: 'too_many_decimals' },
  },
  UNKNOWN_CURRENCY: { message: 'Unknown ISO 4217 currency code: "XYZ"' },
  // Authentication and limits (every route that takes an API key).
  UNAUTHENTICATED: { message: 'A valid API key is required: Authorization: Bearer <key>' },
  FORBIDDEN: { message: 'This API key has scope "read"; "admin" is required' },
  RATE_LIMITED: { message: 'Too many requests for this API key; slow down' },
  // Dependencies.
  STORE_UNAVAILABLE: { message: 'The data store is unavailable; retry shortly' },
  STRIPE_UNAVAILABLE: {
    message: 'Stripe is unavailable; retry shortly',
    details: { dependency: 'stripe', reason: 'circuit_open' },
  },
  SHUTTING_DOWN: { message: 'This instance is shutting down; retry the request' },
  SERVICE_UNAVAILABLE: { message: 'Service Unavailable Exception' },
  INTERNAL_ERROR: { message: 'An unexpected error occurred' },
  // Unknown routes and methods.
  NOT_FOUND: { message: 'Cannot GET /v1/nothing-here' },
  // Customers.
  CUSTOMER_NOT_FOUND: { message: 'Customer acme not found' },
  CUSTOMER_EXISTS: { message: 'Customer acme already exists' },
  CUSTOMER_ARCHIVED: { message: 'Customer acme is archived' },
  CURRENCY_MISMATCH: {
    message: 'Currency EUR does not match plan paid, which bills in USD',
    details: { currency: 'EUR', planId: 'paid', planCurrency: 'USD' },
  },
  CONCURRENT_MODIFICATION: { message: 'Customer acme changed concurrently; retry' },
  // Plans and pricing.
  PLAN_NOT_FOUND: { message: 'Plan pro not found' },
  UNKNOWN_PLAN: { message: 'Plan pro does not exist', details: { planId: 'pro' } },
  PLAN_EXISTS: { message: 'Plan pro already exists; PUT /v1/plans/pro adds a version' },
  PLAN_CURRENCY_CHANGE: {
    message:
      'Plan pro bills in USD; a new version cannot switch to EUR (create a new plan instead)',
    details: { planId: 'pro', currency: 'USD', requested: 'EUR' },
  },
  INVALID_PLAN: {
    message: 'The plan document is invalid',
    details: fields('charges[0].tiers[1].upTo', 'the last tier must have upTo: null'),
  },
  INVALID_PRICING_INPUT: {
    message: 'usage./api/search: must be a non-negative decimal',
    details: { field: 'usage./api/search' },
  },
  // Usage.
  INVALID_USAGE: {
    message: 'endpoint must start with "/"',
    details: fields('endpoint', 'endpoint must start with "/"'),
  },
  UNKNOWN_CUSTOMER: { message: 'Customer acme does not exist' },
  PERIOD_CLOSED: { message: 'Period 2026-10 is invoiced and closed for acme' },
  USAGE_LIMIT_EXCEEDED: { message: 'Daily limit of 100000 units reached for 2026-11-24' },
  INSUFFICIENT_CREDIT: {
    message:
      'Recording this usage would take the priced spend of open periods to 500.01 USD, past the 500.00 USD of prepaid credit available',
  },
  EVENT_ID_CONFLICT: {
    message:
      'Event req-7f3a of customer acme was already recorded with a different quantity; use a new eventId for a different event',
  },
  BATCH_TOO_LARGE: { message: 'A batch holds at most 1000 events; got 1200' },
  USAGE_EVENT_NOT_FOUND: { message: 'Usage event req-7f3a of customer acme not found' },
  USAGE_EVENT_VOIDED: {
    message: 'Usage event req-7f3a of customer acme is voided; it cannot be amended',
  },
  // Invoices and billing runs.
  INVOICE_NOT_FOUND: { message: 'Invoice inv_acme_2026-10 not found' },
  INVALID_INVOICE_TRANSITION: {
    message: 'Invoice inv_acme_2026-10 is void; it cannot become open',
    details: { from: 'void', to: 'open' },
  },
  PERIOD_NOT_ENDED: { message: 'Period 2026-11 has not ended; it cannot be finalized yet' },
  PERIOD_NOT_STARTED: { message: 'Period 2027-01 has not started' },
  STRIPE_REJECTED: {
    message: 'Stripe rejected the request: Invalid email address: acme',
    details: { stripeType: 'invalid_request_error', param: 'email' },
  },
  STRIPE_INVOICE_MISMATCH: {
    message:
      'Stripe invoice in_1Q2w3E does not match invoice inv_acme_2026-10: amount 12.00 ≠ 13.00',
    details: {
      invoiceId: 'inv_acme_2026-10',
      providerInvoiceId: 'in_1Q2w3E',
      problems: ['amount 12.00 ≠ 13.00'],
    },
  },
  BILLING_RUN_NOT_FOUND: { message: 'No billing run for period 2026-10' },
  // Alerts.
  BILLING_THRESHOLDS_NOT_FOUND: { message: 'Customer acme has no billing thresholds' },
  THRESHOLD_INVOICE_UNPAID: {
    message:
      'Threshold invoice inv_acme_2026-12_t1 of customer acme is unpaid more than 86400 s after it was finalized; usage is accepted again once it is paid',
  },
  ALERT_NOT_FOUND: { message: 'Alert spend-100 of customer acme not found' },
  ALERT_CONFLICT: {
    message:
      'Alert spend-100 of customer acme exists with a different thresholds; use a new alertId for a different alert',
    details: { alertId: 'spend-100', differs: ['thresholds'] },
  },
  // Prepaid credits.
  CREDIT_GRANT_NOT_FOUND: { message: 'Credit grant promo-1 of customer acme not found' },
  CREDIT_GRANT_CONFLICT: {
    message:
      'Credit grant promo-1 of customer acme exists with a different amount; use a new grantId for a different grant',
    details: { grantId: 'promo-1', differs: ['amount'] },
  },
  CREDIT_GRANT_OF_CREDIT_NOTE: {
    message:
      "Credit grant cn_cn-1 of customer acme is a credit note's credit; void the credit note instead",
    details: { grantId: 'cn_cn-1' },
  },
  // Payments recorded without a payment provider.
  INVOICE_NOT_PAYABLE: {
    message:
      'Invoice inv_acme_2026-10 is draft; payments are recorded on open or uncollectible invoices only',
    details: { status: 'draft' },
  },
  OVERPAYMENT: {
    message: 'Invoice inv_acme_2026-10 has 4.00 still due; a payment of 5.00 is too much',
    details: { amountDue: '10.00', amountPaid: '6.00', remaining: '4.00', requested: '5.00' },
  },
  PAYMENT_CONFLICT: {
    message:
      'Payment pay-1 of invoice inv_acme_2026-10 exists with a different amount; use a new paymentId for a different payment',
    details: { paymentId: 'pay-1', differs: ['amount'] },
  },
  // Credit notes.
  CREDIT_NOTE_NOT_FOUND: { message: 'Credit note cn-1 not found' },
  // Documents.
  DOCUMENT_LINK_INVALID: { message: 'This document link is not valid' },
  DOCUMENT_LINK_EXPIRED: {
    message: 'This document link expired at 2026-12-01T00:00:00.000Z',
    details: { expiresAt: '2026-12-01T00:00:00.000Z' },
  },
  CREDIT_NOTE_CONFLICT: {
    message:
      'Credit note cn-1 exists with a different amount; use a new creditNoteId for a different note',
    details: { creditNoteId: 'cn-1', differs: ['amount'] },
  },
  INVOICE_NOT_CREDITABLE: {
    message: 'Invoice inv_acme_2026-10 is a draft; refresh or edit it instead of crediting it',
    details: { status: 'draft' },
  },
  UNKNOWN_INVOICE_LINE: {
    message: 'Invoice inv_acme_2026-10 has no creditable line L9',
    details: { lineId: 'L9' },
  },
  CREDIT_NOTE_EXCEEDS_LINE: {
    message:
      'Line L1 of invoice inv_acme_2026-10 is 10.00, 8.00 of it credited already; 4.00 more is too much',
    details: { lineId: 'L1', lineAmount: '10.00', credited: '8.00', requested: '4.00' },
  },
  CREDIT_NOTE_EXCEEDS_INVOICE: {
    message:
      'Invoice inv_acme_2026-10 totals 25.00, 20.00 of it credited already; 10.00 more is too much',
    details: { total: '25.00', creditedTotal: '20.00', requested: '10.00' },
  },
  CREDIT_NOTE_EXCEEDS_AMOUNT_DUE: {
    message:
      'Invoice inv_acme_2026-10 has 15.00 still due; a credit note of 20.00 would take it below zero',
    details: { amountDue: '15.00', requested: '20.00' },
  },
  CREDIT_NOTE_AMOUNTS_INVALID: {
    message:
      "Invoice inv_acme_2026-10 is paid: refund + credit must be the note's total (10.00), not 5.00 + 0.00",
    details: { invoiceStatus: 'paid', total: '10.00', refund: '5.00', credit: '0.00' },
  },
  CREDIT_NOTE_EXCEEDS_PAYMENT: {
    message:
      'Invoice inv_acme_2026-10 has 5.00 left to refund; a refund of 10.00 is too much (give the rest as credit)',
    details: { refundable: '5.00', requested: '10.00' },
  },
  CREDIT_NOTE_NOT_VOIDABLE: {
    message: 'Credit note cn-1 cannot be voided: its refund of 10.00 USD succeeded',
    details: { reason: 'refunded' },
  },
  // Webhooks.
  INVALID_SIGNATURE: {
    message:
      'The Stripe-Signature header does not match the body, or its timestamp is outside the 5-minute tolerance',
    details: { reason: 'no signature matches the body' },
  },
  INVALID_EVENT: { message: 'The webhook body is not a Stripe event: missing id' },
  WEBHOOKS_NOT_CONFIGURED: {
    message:
      'Stripe webhooks are not configured on this service (STRIPE_WEBHOOK_SECRET is not set)',
  },
  WEBHOOK_EVENT_NOT_FOUND: { message: 'Webhook event evt_1Q2w3E4r not found' },
  WEBHOOK_EVENT_IN_PROGRESS: {
    message: 'Webhook event evt_1Q2w3E4r is being processed; retry once it is done',
  },
};
