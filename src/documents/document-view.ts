import type { Invoice, InvoiceLine } from '../billing/invoice.model';
import { Dec } from '../common/money';
import type { CreditNote } from '../credit-notes/credit-note.model';
import type { Customer } from '../customers/customer.model';
import { displayMoney, displayQuantity } from './document-money';
import type { DocumentsConfig } from './documents.config';

/**
 * Days between finalization and the due date: the same as the `days_until_due` invoices are
 * sent with at Stripe (`StripePaymentGateway`), so both documents name the same day.
 */
export const DAYS_UNTIL_DUE = 30;

export interface DocumentRow {
  label: string;
  value: string;
  strong?: boolean;
}

export interface DocumentTierView {
  from: string;
  to: string;
  quantity: string;
  unitPrice: string;
  flatFee: string;
  amount: string;
}

export interface DocumentLineView {
  description: string;
  quantity: string;
  amount: string;
  tiers: DocumentTierView[];
  hasTiers: boolean;
}

/** Everything a document shows, already formatted: the PDF and the HTML render this alone. */
export interface DocumentView {
  title: string;
  number: string;
  currency: string;
  /** Printed across the page (`DRAFT`, `VOID`), or null. */
  stamp: string | null;
  seller: { name: string; lines: string[] };
  customer: { name: string; lines: string[] };
  facts: DocumentRow[];
  lines: DocumentLineView[];
  summary: DocumentRow[];
  notes: { title: string; rows: DocumentRow[] } | null;
  hostedUrl: string | null;
  footerLines: string[];
  /** PDF metadata dates: fixed by the document's own dates, so renders are byte-identical. */
  createdAt: Date;
}

const day = (iso: string): string => iso.slice(0, 10);

const addDays = (iso: string, days: number): string =>
  new Date(Date.parse(iso) + days * 86_400_000).toISOString();

function periodRange(period: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(period);
  if (!match) return period;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${period}-01 to ${period}-${String(last).padStart(2, '0')}`;
}

function sellerBlock(config: DocumentsConfig): DocumentView['seller'] {
  const { seller } = config;
  return {
    name: seller.name,
    lines: [
      ...seller.addressLines,
      ...(seller.taxId ? [`Tax ID: ${seller.taxId}`] : []),
      ...(seller.email ? [seller.email] : []),
    ],
  };
}

function customerBlock(customer: Customer): DocumentView['customer'] {
  const address = (customer.billingAddress ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  return {
    name: customer.name,
    lines: [
      ...address,
      ...(customer.taxId ? [`Tax ID: ${customer.taxId}`] : []),
      customer.email,
      `Customer ID: ${customer.id}`,
    ],
  };
}

function lineView(line: InvoiceLine, currency: string): DocumentLineView {
  const tiers = (line.tiers ?? []).map((tier) => ({
    from: displayQuantity(tier.from),
    to: tier.to === null ? 'and up' : displayQuantity(tier.to),
    quantity: displayQuantity(tier.quantity),
    unitPrice: displayMoney(tier.unitAmount, currency),
    flatFee: displayMoney(tier.flatAmount, currency),
    amount: displayMoney(tier.amount, currency),
  }));
  return {
    description: line.description,
    quantity: line.quantity === undefined ? '' : displayQuantity(line.quantity),
    amount: displayMoney(line.amount, currency),
    tiers,
    hasTiers: tiers.length > 0,
  };
}

const STAMPS: Partial<Record<Invoice['status'], string>> = { draft: 'DRAFT', void: 'VOID' };

/** The invoice as its document shows it. */
export function invoiceView(
  invoice: Invoice,
  customer: Customer,
  creditNotes: readonly CreditNote[],
  config: DocumentsConfig,
): DocumentView {
  const money = (value: string) => displayMoney(value, invoice.currency);
  const issuedAt = invoice.finalizedAt ?? invoice.createdAt;
  const remaining =
    invoice.status === 'void' || invoice.status === 'paid'
      ? new Dec(0)
      : Dec.max(0, new Dec(invoice.amountDue).minus(invoice.amountPaid));
  const issued = creditNotes.filter((note) => note.status === 'issued');
  return {
    title: 'Invoice',
    number: invoice.number,
    currency: invoice.currency,
    stamp: STAMPS[invoice.status] ?? null,
    seller: sellerBlock(config),
    customer: customerBlock(customer),
    facts: [
      { label: 'Invoice number', value: invoice.number },
      { label: 'Status', value: invoice.status },
      { label: 'Issue date', value: day(issuedAt) },
      {
        label: 'Due date',
        value: invoice.finalizedAt ? day(addDays(invoice.finalizedAt, DAYS_UNTIL_DUE)) : '-',
      },
      { label: 'Period', value: periodRange(invoice.period) },
      ...(invoice.threshold
        ? [
            {
              label: 'Billed at threshold',
              value: `${money(invoice.threshold.value)} of usage (usage to ${day(issuedAt)})`,
            },
          ]
        : []),
      { label: 'Currency', value: invoice.currency },
    ],
    lines: invoice.lines.map((line) => lineView(line, invoice.currency)),
    summary: [
      { label: 'Base fee', value: money(invoice.baseFee) },
      { label: 'Minimum top-up', value: money(invoice.minimumTopUp) },
      { label: 'Total', value: money(invoice.total), strong: true },
      { label: 'Credits applied', value: money(new Dec(invoice.credits).neg().toFixed()) },
      { label: 'Credit notes', value: money(new Dec(invoice.creditedTotal).neg().toFixed()) },
      { label: 'Amount paid', value: money(invoice.amountPaid) },
      { label: 'Amount due', value: money(remaining.toFixed()), strong: true },
    ],
    notes:
      issued.length === 0
        ? null
        : {
            title: 'Credit notes',
            rows: issued.map((note) => ({
              label: `${note.number} (${day(note.createdAt)})`,
              value: money(note.total),
            })),
          },
    hostedUrl: invoice.provider?.hostedUrl ?? null,
    footerLines: config.footerLines,
    createdAt: new Date(issuedAt),
  };
}

/** A credit note as its document shows it. */
export function creditNoteView(
  note: CreditNote,
  customer: Customer,
  config: DocumentsConfig,
): DocumentView {
  const money = (value: string) => displayMoney(value, note.currency);
  return {
    title: 'Credit note',
    number: note.number,
    currency: note.currency,
    stamp: note.status === 'void' ? 'VOID' : null,
    seller: sellerBlock(config),
    customer: customerBlock(customer),
    facts: [
      { label: 'Credit note number', value: note.number },
      { label: 'Invoice', value: note.invoiceNumber },
      { label: 'Issue date', value: day(note.createdAt) },
      { label: 'Period', value: periodRange(note.period) },
      { label: 'Reason', value: note.reason },
      ...(note.memo ? [{ label: 'Memo', value: note.memo }] : []),
    ],
    lines: note.lines.map((line) => ({
      description: line.description,
      quantity: '',
      amount: money(line.amount),
      tiers: [],
      hasTiers: false,
    })),
    summary: [
      { label: 'Total credited', value: money(note.total), strong: true },
      { label: 'Refunded', value: money(note.refund.amount) },
      { label: 'Credited to balance', value: money(note.credit.amount) },
    ],
    notes: null,
    hostedUrl: null,
    footerLines: config.footerLines,
    createdAt: new Date(note.createdAt),
  };
}
