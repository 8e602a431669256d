import Stripe from 'stripe';
import type { DependencyPolicy, ResilienceOptions, ResiliencePolicies } from '../common/resilience';
import { parsePeriod } from '../common/time/period';
import { stripeKeys } from './idempotency-keys';
import {
  isTransientStripeError,
  PaymentProviderRejected,
  ProviderInvoiceMismatch,
  toPaymentError,
} from './payment-errors';
import {
  PaymentGateway,
  type EnsureCustomerInput,
  type ProviderCreditNote,
  type ProviderInvoice,
  type ProviderInvoiceLine,
  type PushCreditNoteInput,
  type PushInvoiceInput,
  STRIPE_PROVIDER,
  refundStatusOf,
} from './payment-gateway';
import { STRIPE_ATTEMPT_TIMEOUT_MS } from './stripe-client.config';

export interface StripeGatewayOptions {
  /** Payment terms of the `send_invoice` invoices we create. */
  daysUntilDue: number;
  /** Overrides for the shared 'stripe' policy (tests shrink delays and thresholds). */
  resilience: Partial<Omit<ResilienceOptions, 'isTransient'>>;
}

const PAGE_SIZE = 100;

interface PlannedLine extends ProviderInvoiceLine {
  /** Stripe's `amount` is an integer in minor units; converted once, checked to be exact. */
  amount: number;
}

/**
 * `PaymentGateway` on Stripe. Every request goes through the shared 'stripe' policy (timeout,
 * retry with backoff + jitter, breaker) and every write carries an idempotency key derived from
 * our ids, so a retry at any point replays instead of duplicating.
 *
 * Invoice layout: the draft invoice is created FIRST with `pending_invoice_items_behavior:
 * 'exclude'`, then each line becomes an invoice item created with `invoice: <draft id>`. Items are
 * therefore never "pending" on the customer: they cannot be swept into some other invoice of the
 * customer (a subscription renewal, another integration, a manual invoice), and pending items that
 * are not ours cannot be swept into this one. The opposite order (pending items, then an invoice
 * with 'include') takes whatever is pending at that moment, including leftovers of a failed
 * earlier attempt, so a retry could bill lines twice or bill someone else's.
 *
 * Collection: `send_invoice` with `days_until_due`, and `auto_advance: false`. This service
 * collects no payment methods, so `charge_automatically` would have nothing to charge; the
 * customer pays on the hosted invoice page we return. `auto_advance: false` keeps Stripe from
 * finalizing, emailing or dunning on its own schedule: we decide when an invoice is final.
 */
export class StripePaymentGateway extends PaymentGateway {
  readonly enabled = true;
  readonly provider = STRIPE_PROVIDER;
  private readonly policy: DependencyPolicy;
  private readonly daysUntilDue: number;

  constructor(
    private readonly stripe: Stripe,
    policies: ResiliencePolicies,
    options: Partial<StripeGatewayOptions> = {},
  ) {
    super();
    this.daysUntilDue = options.daysUntilDue ?? 30;
    this.policy = policies.for('stripe', {
      timeoutMs: STRIPE_ATTEMPT_TIMEOUT_MS,
      ...options.resilience,
      isTransient: isTransientStripeError,
    });
  }

  async ensureCustomer(input: EnsureCustomerInput): Promise<{ providerCustomerId: string }> {
    // The idempotency key covers retries within Stripe's key retention (>= 24 h); the lookup
    // covers a customer created by an attempt whose response was lost longer ago than that.
    const existing = await this.findCustomerId(input.customerId, input.email);
    if (existing) return { providerCustomerId: existing };
    const customer = await this.call(
      (options) =>
        this.stripe.customers.create(
          {
            email: input.email,
            name: input.name,
            metadata: { ...input.metadata, customerId: input.customerId },
          },
          options,
        ),
      stripeKeys.customer(input.customerId),
    );
    return { providerCustomerId: customer.id };
  }

  /**
   * Each step is safe to repeat after "Stripe committed, the response was lost":
   * - the invoice is looked up by `metadata.invoiceId` first (a strongly consistent list, unlike
   *   search), so a finalized invoice is returned as is and a draft is resumed; its create carries
   *   a key, so a lost create response is replayed by our retry;
   * - items already on the draft are read back and only missing lines are created, each with its
   *   own key, so a lost item response is either replayed or found;
   * - finalize carries a key; if another caller finalized first, the invoice is re-read.
   */
  async pushInvoice(input: PushInvoiceInput): Promise<ProviderInvoice> {
    // Validate everything before the first write, so bad input never leaves a half-built draft.
    const lines = planLines(input.lines);
    const currency = input.currency.toLowerCase();
    let invoice =
      (await this.findInvoice(input.providerCustomerId, input.invoiceId, input.period)) ??
      (await this.createDraft(input, currency));
    if (invoice.status === 'draft') {
      await this.addMissingItems(invoice.id, input, currency, lines);
      invoice = await this.finalize(invoice.id, input.invoiceId);
    }
    return toProviderInvoice(invoice);
  }

  async voidInvoice(providerInvoiceId: string, invoiceId: string): Promise<void> {
    try {
      await this.call(
        (options) => this.stripe.invoices.voidInvoice(providerInvoiceId, {}, options),
        stripeKeys.void(invoiceId),
      );
    } catch (error) {
      // Voided already (by us beyond key retention, or in the dashboard): the goal is reached.
      if (!(error instanceof PaymentProviderRejected)) throw error;
      const current = await this.retrieveInvoice(providerInvoiceId);
      if (current.status !== 'void') throw error;
    }
  }

  async payInvoiceOutOfBand(providerInvoiceId: string, invoiceId: string): Promise<void> {
    try {
      await this.call(
        (options) =>
          this.stripe.invoices.pay(providerInvoiceId, { paid_out_of_band: true }, options),
        stripeKeys.payOutOfBand(invoiceId),
      );
    } catch (error) {
      // Paid there already (beyond key retention, or in the dashboard): the goal is reached.
      if (!(error instanceof PaymentProviderRejected)) throw error;
      const current = await this.retrieveInvoice(providerInvoiceId);
      if (current.status !== 'paid') throw error;
    }
  }

  /**
   * Safe to repeat like `pushInvoice`: the credit note is looked up by `metadata.creditNoteId`
   * on its invoice first (beyond the idempotency key's retention), then created with a key from
   * our id, so a lost response is replayed by the retry. Refunds come back expanded, so their
   * status is known at once (card refunds usually succeed synchronously).
   */
  async pushCreditNote(input: PushCreditNoteInput): Promise<ProviderCreditNote> {
    const amount = toStripeAmount(input.amountMinor, 'credit note');
    const refund = toStripeAmount(input.refundMinor, 'refund');
    const credit = toStripeAmount(input.creditMinor, 'credit');
    const outOfBand = toStripeAmount(input.outOfBandMinor, 'out of band');
    const existing = await this.findCreditNote(input.providerInvoiceId, input.creditNoteId);
    if (existing) return toProviderCreditNote(existing);
    const lines = input.lines
      ? await this.creditNoteLines(input.invoiceId, input.providerInvoiceId, input.lines)
      : undefined;
    const created = await this.call(
      (options) =>
        this.stripe.creditNotes.create(
          {
            invoice: input.providerInvoiceId,
            ...(lines ? { lines } : { amount }),
            ...(refund > 0 ? { refund_amount: refund } : {}),
            ...(credit > 0 ? { credit_amount: credit } : {}),
            ...(outOfBand > 0 ? { out_of_band_amount: outOfBand } : {}),
            ...(input.reason ? { reason: input.reason } : {}),
            ...(input.memo ? { memo: input.memo } : {}),
            metadata: {
              creditNoteId: input.creditNoteId,
              creditNoteNumber: input.creditNoteNumber,
              invoiceId: input.invoiceId,
              customerId: input.customerId,
            },
            expand: [EXPAND_REFUNDS],
          },
          options,
        ),
      stripeKeys.creditNote(input.creditNoteId),
    );
    return toProviderCreditNote(created);
  }

  async voidCreditNote(
    providerCreditNoteId: string,
    creditNoteId: string,
  ): Promise<ProviderCreditNote> {
    try {
      const voided = await this.call(
        (options) =>
          this.stripe.creditNotes.voidCreditNote(
            providerCreditNoteId,
            { expand: [EXPAND_REFUNDS] },
            options,
          ),
        stripeKeys.voidCreditNote(creditNoteId),
      );
      return toProviderCreditNote(voided);
    } catch (error) {
      // Voided already (beyond key retention, or in the dashboard): the goal is reached.
      if (!(error instanceof PaymentProviderRejected)) throw error;
      const current = await this.call((options) =>
        this.stripe.creditNotes.retrieve(
          providerCreditNoteId,
          { expand: [EXPAND_REFUNDS] },
          options,
        ),
      );
      if (current.status !== 'void') throw error;
      return toProviderCreditNote(current);
    }
  }

  private async findCreditNote(
    providerInvoiceId: string,
    creditNoteId: string,
  ): Promise<Stripe.CreditNote | undefined> {
    return this.call(async (options) => {
      const notes = this.stripe.creditNotes.list(
        { invoice: providerInvoiceId, limit: PAGE_SIZE, expand: [`data.${EXPAND_REFUNDS}`] },
        options,
      );
      for await (const note of notes) {
        if (note.metadata?.creditNoteId === creditNoteId) return note;
      }
      return undefined;
    });
  }

  /** Our line ids → Stripe's invoice line items (each carries `metadata.lineId` from its item). */
  private async creditNoteLines(
    invoiceId: string,
    providerInvoiceId: string,
    lines: { lineId: string; amountMinor: string }[],
  ): Promise<Stripe.CreditNoteCreateParams.Line[]> {
    const byLineId = await this.call(async (options) => {
      const found = new Map<string, string>();
      const items = this.stripe.invoices.listLineItems(
        providerInvoiceId,
        { limit: PAGE_SIZE },
        options,
      );
      for await (const item of items) {
        if (item.metadata?.lineId) found.set(item.metadata.lineId, item.id);
      }
      return found;
    });
    const missing = lines.filter((l) => !byLineId.has(l.lineId)).map((l) => l.lineId);
    if (missing.length > 0) {
      throw new ProviderInvoiceMismatch(invoiceId, providerInvoiceId, [
        `lines ${missing.join(', ')} are not on the Stripe invoice`,
      ]);
    }
    return lines.map((line) => ({
      type: 'invoice_line_item',
      invoice_line_item: byLineId.get(line.lineId) as string,
      amount: toStripeAmount(line.amountMinor, line.lineId),
    }));
  }

  private async findCustomerId(customerId: string, email: string): Promise<string | undefined> {
    return this.call(async (options) => {
      const customers = this.stripe.customers.list({ email, limit: PAGE_SIZE }, options);
      for await (const customer of customers) {
        if (customer.metadata?.customerId === customerId) return customer.id;
      }
      return undefined;
    });
  }

  private async findInvoice(
    providerCustomerId: string,
    invoiceId: string,
    period: string,
  ): Promise<Stripe.Invoice | undefined> {
    // Ours can only have been created once its period had started, so older invoices of a
    // long-standing customer need not be paged through.
    const since = Math.floor(parsePeriod(period).start.getTime() / 1000);
    return this.call(async (options) => {
      const invoices = this.stripe.invoices.list(
        { customer: providerCustomerId, created: { gte: since }, limit: PAGE_SIZE },
        options,
      );
      for await (const invoice of invoices) {
        if (invoice.metadata?.invoiceId === invoiceId) return invoice;
      }
      return undefined;
    });
  }

  private createDraft(input: PushInvoiceInput, currency: string): Promise<Stripe.Invoice> {
    return this.call(
      (options) =>
        this.stripe.invoices.create(
          {
            customer: input.providerCustomerId,
            currency,
            collection_method: 'send_invoice',
            days_until_due: this.daysUntilDue,
            auto_advance: false,
            pending_invoice_items_behavior: 'exclude',
            description: `Invoice ${input.invoiceNumber} for ${input.period}`,
            metadata: { ...invoiceMetadata(input), invoiceNumber: input.invoiceNumber },
          },
          options,
        ),
      stripeKeys.invoice(input.invoiceId),
    );
  }

  private async addMissingItems(
    providerInvoiceId: string,
    input: PushInvoiceInput,
    currency: string,
    lines: PlannedLine[],
  ): Promise<void> {
    const existing = await this.call(async (options) => {
      const found = new Map<string, Stripe.InvoiceItem>();
      const items = this.stripe.invoiceItems.list(
        { invoice: providerInvoiceId, limit: PAGE_SIZE },
        options,
      );
      for await (const item of items) found.set(item.metadata?.lineId ?? item.id, item);
      return found;
    });
    const problems = compareItems(existing, lines, currency);
    if (problems.length > 0) {
      throw new ProviderInvoiceMismatch(input.invoiceId, providerInvoiceId, problems);
    }
    // One at a time, in line order: Stripe shows lines in creation order.
    for (const line of lines) {
      if (existing.has(line.lineId)) continue;
      await this.call(
        (options) =>
          this.stripe.invoiceItems.create(
            {
              customer: input.providerCustomerId,
              invoice: providerInvoiceId,
              amount: line.amount,
              currency,
              description: line.description,
              metadata: { ...invoiceMetadata(input), lineId: line.lineId },
            },
            options,
          ),
        stripeKeys.invoiceItem(input.invoiceId, line.lineId),
      );
    }
  }

  private async finalize(providerInvoiceId: string, invoiceId: string): Promise<Stripe.Invoice> {
    try {
      return await this.call(
        (options) =>
          this.stripe.invoices.finalizeInvoice(providerInvoiceId, { auto_advance: false }, options),
        stripeKeys.finalize(invoiceId),
      );
    } catch (error) {
      // A concurrent push may have finalized it between our read and this write.
      if (!(error instanceof PaymentProviderRejected)) throw error;
      const current = await this.retrieveInvoice(providerInvoiceId);
      if (current.status === 'draft') throw error;
      return current;
    }
  }

  private retrieveInvoice(providerInvoiceId: string): Promise<Stripe.Invoice> {
    return this.call((options) => this.stripe.invoices.retrieve(providerInvoiceId, {}, options));
  }

  /**
   * Every Stripe request goes through here: the shared policy, the SDK's own socket timeout set to
   * the policy's per-attempt budget (the SDK cannot take an abort signal), the idempotency key
   * (the same object for every attempt), and the mapping to domain errors.
   */
  private async call<T>(
    request: (options: Stripe.RequestOptions) => Promise<T>,
    idempotencyKey?: string,
  ): Promise<T> {
    const options: Stripe.RequestOptions = {
      timeout: this.policy.options.timeoutMs,
      ...(idempotencyKey ? { idempotencyKey } : {}),
    };
    try {
      return await this.policy.execute(() => request(options));
    } catch (error) {
      throw toPaymentError(error);
    }
  }
}

function invoiceMetadata(input: PushInvoiceInput): Record<string, string> {
  return { invoiceId: input.invoiceId, customerId: input.customerId, period: input.period };
}

function planLines(lines: ProviderInvoiceLine[]): PlannedLine[] {
  const seen = new Set<string>();
  return lines.map((line) => {
    if (seen.has(line.lineId)) throw new Error(`Duplicate invoice line id "${line.lineId}"`);
    seen.add(line.lineId);
    return { ...line, amount: toStripeAmount(line.amountMinor, line.lineId) };
  });
}

/**
 * The SDK types `amount` as a number. Minor units are integers far below 2^53 for any real invoice
 * line (Stripe caps amounts at 8-12 digits), so the conversion is exact; refuse anything else
 * rather than round.
 */
function toStripeAmount(amountMinor: string, lineId: string): number {
  const amount = Number(amountMinor);
  if (!/^-?\d+$/.test(amountMinor) || !Number.isSafeInteger(amount)) {
    throw new RangeError(
      `Invoice line "${lineId}": amountMinor must be an integer string, got "${amountMinor}"`,
    );
  }
  return amount;
}

function compareItems(
  existing: Map<string, Stripe.InvoiceItem>,
  lines: PlannedLine[],
  currency: string,
): string[] {
  const wanted = new Map(lines.map((l) => [l.lineId, l]));
  const problems: string[] = [];
  for (const [lineId, item] of existing) {
    const line = wanted.get(lineId);
    if (!line) problems.push(`item ${item.id} is not one of this invoice's lines`);
    else if (item.amount !== line.amount || item.currency !== currency) {
      problems.push(
        `line ${lineId} is ${item.amount} ${item.currency} on Stripe, expected ${line.amount} ${currency}`,
      );
    }
  }
  return problems;
}

/** Credit notes are read with their refunds expanded, so each refund's status comes along. */
const EXPAND_REFUNDS = 'refunds.refund';

function toProviderCreditNote(note: Stripe.CreditNote): ProviderCreditNote {
  return {
    providerCreditNoteId: note.id,
    providerNumber: note.number ?? null,
    status: note.status,
    refunds: (note.refunds ?? []).map((entry) => {
      const refund = entry.refund;
      if (typeof refund === 'string') {
        return {
          refundId: refund,
          amountMinor: String(entry.amount_refunded),
          status: null,
          failureReason: null,
          reportedAt: null,
        };
      }
      return {
        refundId: refund.id,
        amountMinor: String(entry.amount_refunded),
        status: refundStatusOf(refund.status),
        failureReason: refund.failure_reason ?? null,
        reportedAt: refund.created,
      };
    }),
  };
}

function toProviderInvoice(invoice: Stripe.Invoice): ProviderInvoice {
  return {
    providerInvoiceId: invoice.id,
    providerNumber: invoice.number ?? null,
    hostedUrl: invoice.hosted_invoice_url ?? null,
    status: invoice.status ?? 'draft',
    amountDueMinor: String(invoice.amount_due),
  };
}
