import { Injectable } from '@nestjs/common';
import type { Invoice, InvoiceStatus } from '../billing/invoice.model';
import { InvoicesService } from '../billing/invoices.service';
import { Dec, type Decimal, formatMoney, maxDecimal, ZERO } from '../common/money';
import { Clock } from '../common/time/clock';
import { parsePeriod, periodOf, previousPeriod } from '../common/time/period';
import type { Customer } from '../customers/customer.model';
import { CustomersService } from '../customers/customers.service';
import type { CsvColumn } from './csv';
import { mapInOrder, readAhead } from './in-order';

export type ReportInvoiceStatus = InvoiceStatus | 'none';

/** One customer's standing for the period; amounts in major units of `currency`. */
export interface BillingReportRow {
  customerId: string;
  customerName: string;
  customerStatus: string;
  currency: string;
  invoiceId: string | null;
  invoiceNumber: string | null;
  /** `period` (the invoice closing the period), `threshold` (issued during it), or null (none). */
  billingReason: 'period' | 'threshold' | null;
  status: ReportInvoiceStatus;
  total: string;
  amountPaid: string;
  outstanding: string;
  /** What issued credit notes took off the invoice (refunded, credited or no longer due). */
  credited: string;
}

export interface StatusTotals {
  invoices: number;
  total: string;
  amountPaid: string;
  outstanding: string;
  credited: string;
}

/** Totals of one currency: amounts in different currencies are never added together. */
export interface CurrencyTotals extends StatusTotals {
  currency: string;
  byStatus: Record<InvoiceStatus, StatusTotals>;
}

export interface BillingReportJson {
  period: string;
  customers: number;
  customersWithoutInvoice: number;
  totals: CurrencyTotals[];
  rows: BillingReportRow[];
}

const STATUSES: InvoiceStatus[] = ['draft', 'open', 'paid', 'void', 'uncollectible'];
const PAGE_SIZE = 500;
/** BatchGetItem takes 100 keys; a page's batches run a few at a time. */
const BATCH = 100;
const CONCURRENCY = 5;

/**
 * What a customer has paid and still owes on an invoice. A paid invoice is settled in full; an
 * open one may be partly paid; an uncollectible one is still owed (written off, not forgiven, as
 * in Stripe). Drafts are not billed yet and void invoices are not owed. What is owed is what the
 * invoice asks for (`amountDue`: the total less prepaid credits and less the credit notes issued
 * while it was owed).
 */
function amounts(invoice: Invoice): { paid: Decimal; outstanding: Decimal } {
  const total = new Dec(invoice.total);
  const paidSoFar = new Dec(invoice.amountPaid || '0');
  switch (invoice.status) {
    case 'paid':
      return { paid: maxDecimal(total, paidSoFar), outstanding: ZERO };
    case 'open':
    case 'uncollectible':
      return {
        paid: paidSoFar,
        outstanding: maxDecimal(ZERO, new Dec(invoice.amountDue).minus(paidSoFar)),
      };
    default:
      return { paid: ZERO, outstanding: ZERO };
  }
}

interface Sum {
  invoices: number;
  total: Decimal;
  paid: Decimal;
  outstanding: Decimal;
  credited: Decimal;
}

const emptySum = (): Sum => ({
  invoices: 0,
  total: ZERO,
  paid: ZERO,
  outstanding: ZERO,
  credited: ZERO,
});

/**
 * The billing report of a period: one row per invoice of each customer (its threshold invoices,
 * by threshold, then the period's own, read by key since its id is `inv_<customer>_<period>`,
 * 100 per BatchGetItem), one row with status `none` for a customer without any, and totals by
 * currency and status. Customers are read a page at a time, so rows can be streamed for any
 * number of them; the period's threshold invoices are read once, from their own list.
 */
@Injectable()
export class BillingReportService {
  constructor(
    private readonly customers: CustomersService,
    private readonly invoices: InvoicesService,
    private readonly clock: Clock,
  ) {}

  /** The period asked for, or the last one that ended. */
  resolvePeriod(period?: string): string {
    return period ? parsePeriod(period).id : previousPeriod(periodOf(this.clock.now())).id;
  }

  async *rows(period: string): AsyncGenerator<BillingReportRow> {
    const thresholdInvoices = new Map<string, Invoice[]>();
    for (const invoice of await this.invoices.thresholdInvoices(period)) {
      const list = thresholdInvoices.get(invoice.customerId) ?? [];
      list.push(invoice);
      thresholdInvoices.set(invoice.customerId, list);
    }
    for (const list of thresholdInvoices.values()) {
      list.sort((a, b) => (a.threshold?.index ?? 0) - (b.threshold?.index ?? 0));
    }
    for await (const page of readAhead((cursor) => this.customers.list(PAGE_SIZE, cursor))) {
      const byCustomer = await this.invoicesOf(page.customers, period);
      for (const customer of page.customers) {
        const own = byCustomer.get(customer.id);
        const all = [...(thresholdInvoices.get(customer.id) ?? []), ...(own ? [own] : [])];
        if (all.length === 0) yield this.row(customer, undefined);
        for (const invoice of all) yield this.row(customer, invoice);
      }
    }
  }

  async json(period: string): Promise<BillingReportJson> {
    const rows: BillingReportRow[] = [];
    const customers = new Set<string>();
    const sums = new Map<string, { all: Sum; byStatus: Map<InvoiceStatus, Sum> }>();
    for await (const row of this.rows(period)) {
      rows.push(row);
      customers.add(row.customerId);
      if (row.status === 'none') continue;
      const currency = sums.get(row.currency) ?? {
        all: emptySum(),
        byStatus: new Map<InvoiceStatus, Sum>(),
      };
      sums.set(row.currency, currency);
      for (const sum of [currency.all, this.sumFor(currency.byStatus, row.status)]) {
        sum.invoices += 1;
        sum.total = sum.total.plus(row.total);
        sum.paid = sum.paid.plus(row.amountPaid);
        sum.outstanding = sum.outstanding.plus(row.outstanding);
        sum.credited = sum.credited.plus(row.credited);
      }
    }
    const format = (sum: Sum, currency: string): StatusTotals => ({
      invoices: sum.invoices,
      total: formatMoney(sum.total, currency),
      amountPaid: formatMoney(sum.paid, currency),
      outstanding: formatMoney(sum.outstanding, currency),
      credited: formatMoney(sum.credited, currency),
    });
    const totals = [...sums.keys()].sort().map((currency) => {
      const { all, byStatus } = sums.get(currency)!;
      return {
        currency,
        ...format(all, currency),
        byStatus: Object.fromEntries(
          STATUSES.map((s) => [s, format(byStatus.get(s) ?? emptySum(), currency)]),
        ) as Record<InvoiceStatus, StatusTotals>,
      };
    });
    return {
      period,
      customers: customers.size,
      customersWithoutInvoice: rows.filter((r) => r.status === 'none').length,
      totals,
      rows,
    };
  }

  readonly columns: CsvColumn<BillingReportRow>[] = [
    { key: 'customerId', header: 'customer_id' },
    { key: 'customerName', header: 'customer_name' },
    { key: 'customerStatus', header: 'customer_status' },
    { key: 'currency', header: 'currency' },
    { key: 'invoiceId', header: 'invoice_id' },
    { key: 'invoiceNumber', header: 'invoice_number' },
    { key: 'billingReason', header: 'billing_reason' },
    { key: 'status', header: 'invoice_status' },
    { key: 'total', header: 'total' },
    { key: 'amountPaid', header: 'amount_paid' },
    { key: 'outstanding', header: 'outstanding' },
    { key: 'credited', header: 'credited' },
  ];

  filename(period: string): string {
    return `billing-${period}.csv`;
  }

  private async invoicesOf(customers: Customer[], period: string): Promise<Map<string, Invoice>> {
    const ids = customers.map((c) => c.id);
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += BATCH) chunks.push(ids.slice(i, i + BATCH));
    const found = await mapInOrder(chunks, CONCURRENCY, (chunk) =>
      this.invoices.forPeriod(chunk, period),
    );
    return new Map(found.flat().map((invoice) => [invoice.customerId, invoice]));
  }

  private row(customer: Customer, invoice: Invoice | undefined): BillingReportRow {
    const base = {
      customerId: customer.id,
      customerName: customer.name,
      customerStatus: customer.status,
    };
    if (!invoice) {
      const zero = formatMoney(ZERO, customer.currency);
      return {
        ...base,
        currency: customer.currency,
        invoiceId: null,
        invoiceNumber: null,
        billingReason: null,
        status: 'none',
        total: zero,
        amountPaid: zero,
        outstanding: zero,
        credited: zero,
      };
    }
    const { paid, outstanding } = amounts(invoice);
    const money = (d: Decimal) => formatMoney(d, invoice.currency);
    return {
      ...base,
      currency: invoice.currency,
      invoiceId: invoice.id,
      invoiceNumber: invoice.number,
      billingReason: invoice.billingReason ?? 'period',
      status: invoice.status,
      total: money(new Dec(invoice.total)),
      amountPaid: money(paid),
      outstanding: money(outstanding),
      credited: money(new Dec(invoice.creditedTotal)),
    };
  }

  private sumFor(byStatus: Map<InvoiceStatus, Sum>, status: InvoiceStatus): Sum {
    const sum = byStatus.get(status) ?? emptySum();
    byStatus.set(status, sum);
    return sum;
  }
}
