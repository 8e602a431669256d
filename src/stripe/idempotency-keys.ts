/**
 * Idempotency keys for every Stripe write, derived from OUR ids only, so that any retry — by the
 * policy within a call, or by a later call after a crash — sends the same key and Stripe replays
 * the first result instead of creating a second object. Never random, never time-based.
 *
 * The `billing-` prefix keeps our keys apart from other integrations writing to the same Stripe
 * account (keys are scoped per account, not per application). Stripe keeps keys for at least
 * 24 hours; the gateway looks objects up by metadata before writing, so it stays duplicate-free
 * beyond that window too.
 */
export const stripeKeys = {
  customer: (customerId: string) => `billing-cus-${customerId}`,
  invoice: (invoiceId: string) => `billing-inv-${invoiceId}-create`,
  invoiceItem: (invoiceId: string, lineId: string) => `billing-inv-${invoiceId}-item-${lineId}`,
  finalize: (invoiceId: string) => `billing-inv-${invoiceId}-finalize`,
  void: (invoiceId: string) => `billing-inv-${invoiceId}-void`,
  payOutOfBand: (invoiceId: string) => `billing-inv-${invoiceId}-pay-out-of-band`,
  creditNote: (creditNoteId: string) => `billing-cn-${creditNoteId}`,
  voidCreditNote: (creditNoteId: string) => `billing-cn-${creditNoteId}-void`,
};
