import { Dec } from '../common/money';
import type { ChargesExplanation, ExplainedLine } from '../pricing/charge-explanation';
import type { Invoice, InvoiceLine } from './invoice.model';

/** One invoice line, and why it is what it is. */
export interface ExplainedInvoiceLine {
  id: string;
  kind: InvoiceLine['kind'];
  description: string;
  amount: string;
  quantity?: string;
  /** What credit notes took off this line, when any did. */
  credited?: string;
  /**
   * Priced lines: whether pricing the period again today gives this line exactly (false: usage
   * was corrected after the invoice was frozen; an adjustment line on a later invoice carries it).
   */
  matchesCharges: boolean;
  /** Priced lines (usage, base fee, minimum top-up): the explanation of the charge. */
  charge: ExplainedLine | null;
  /** Lines that are not priced from usage: what they are. */
  note: string | null;
}

export interface InvoiceExplanation {
  invoiceId: string;
  number: string;
  customerId: string;
  period: string;
  status: string;
  currency: string;
  total: string;
  credits: string;
  creditedTotal: string;
  amountDue: string;
  amountPaid: string;
  /** The plan versions of the period and when each was in force. */
  segments: ChargesExplanation['segments'];
  lines: ExplainedInvoiceLine[];
}

const PRICED = new Set<InvoiceLine['kind']>(['usage', 'base_fee', 'minimum']);

function sameLine(line: InvoiceLine, charge: ExplainedLine | undefined): boolean {
  if (!charge || charge.kind !== line.kind || !new Dec(charge.amount).equals(line.amount)) {
    return false;
  }
  if (line.kind !== 'usage') return true;
  return (
    charge.chargeId === line.chargeId &&
    charge.planId === line.planId &&
    charge.planVersion === line.planVersion &&
    charge.quantity !== undefined &&
    line.quantity !== undefined &&
    new Dec(charge.quantity).equals(line.quantity)
  );
}

function noteFor(line: InvoiceLine): string | null {
  switch (line.kind) {
    case 'credit':
      return `Prepaid credit applied when the invoice was finalized${line.reference ? ` (${line.reference})` : ''}: ${line.amount}`;
    case 'adjustment':
      return `Usage of an earlier, already invoiced period corrected afterwards${line.reference ? ` (${line.reference})` : ''}: ${line.amount}`;
    case 'deduction':
      return `Billed during the period on threshold invoices${line.reference ? ` (${line.reference})` : ''}: ${line.amount}`;
    default:
      return null;
  }
}

/** The invoice's lines matched with the explanation of its period's charges. */
export function explainInvoice(invoice: Invoice, charges: ChargesExplanation): InvoiceExplanation {
  const byId = new Map(charges.lines.map((l) => [l.id, l]));
  return {
    invoiceId: invoice.id,
    number: invoice.number,
    customerId: invoice.customerId,
    period: invoice.period,
    status: invoice.status,
    currency: invoice.currency,
    total: invoice.total,
    credits: invoice.credits,
    creditedTotal: invoice.creditedTotal,
    amountDue: invoice.amountDue,
    amountPaid: invoice.amountPaid,
    segments: charges.segments,
    lines: invoice.lines.map((line) => {
      const priced = PRICED.has(line.kind);
      const charge = priced ? byId.get(line.id) : undefined;
      const matches = priced && sameLine(line, charge);
      return {
        id: line.id,
        kind: line.kind,
        description: line.description,
        amount: line.amount,
        ...(line.quantity !== undefined ? { quantity: line.quantity } : {}),
        ...(line.credited !== undefined ? { credited: line.credited } : {}),
        matchesCharges: matches,
        charge: matches ? charge! : null,
        note: priced
          ? matches
            ? null
            : 'Pricing the period again gives another amount: its usage was corrected after the invoice was frozen'
          : noteFor(line),
      };
    }),
  };
}
