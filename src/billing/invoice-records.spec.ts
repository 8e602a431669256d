import type { AuditChange } from '../audit/audit.model';
import type { AuditService } from '../audit/audit.service';
import { OutboxBatchTooLarge, type OutboxWriter } from '../events';
import type { BillingEvent, BillingEventType } from '../events/billing-event.model';
import { draftInvoice, finalizedInvoice, type Invoice } from './invoice.model';
import { InvoiceRecords } from './invoice-records';

/** An outbox that holds at most `capacity` events per item, as the real one caps by size. */
function fakeOutbox(capacity: number) {
  let next = 0;
  return {
    event: (type: BillingEventType, data: Record<string, unknown>, o: { customerId?: string }) =>
      ({ eventId: `e${++next}`, type, occurredAt: 'now', customerId: o.customerId, data }) as const,
    entryFor: (events: readonly BillingEvent[]) => {
      if (events.length > capacity) throw new OutboxBatchTooLarge(events.length, 1, 0);
      return events.length > 0 ? { Put: { TableName: 't', Item: { events } } } : undefined;
    },
  } as unknown as OutboxWriter;
}

const audit = {
  entries: (...changes: AuditChange[]) =>
    changes.map((c) => ({ Put: { TableName: 't', Item: { audit: c } } })),
} as unknown as AuditService;

const invoice = (customerId: string): Invoice =>
  draftInvoice({
    customerId,
    period: '2026-03',
    number: `INV-202603-${customerId}`,
    amounts: {
      currency: 'USD',
      lines: [{ id: 'L1', kind: 'usage', description: 'calls', amount: '5.00' }],
      subtotal: '5.00',
      baseFee: '0.00',
      minimumTopUp: '0.00',
      total: '5.00',
      credits: '0.00',
      amountDue: '5.00',
    },
    at: '2026-04-01T00:00:00.000Z',
  });

const items = (records: InvoiceRecords, customers: string[]) => {
  const drafts = customers.map(invoice);
  const finals = drafts.map((d) => finalizedInvoice(d, null, d.createdAt));
  return records.itemsFor(
    finals.map((after) => ({ after })),
    drafts.flatMap((draft, i) => [
      { type: 'billing.invoice.created' as const, invoice: draft },
      { type: 'billing.invoice.finalized' as const, invoice: finals[i] },
    ]),
  );
};

const eventsIn = (item: { Put?: { Item?: Record<string, unknown> } }) =>
  (item.Put?.Item?.events ?? []) as BillingEvent[];

describe('InvoiceRecords', () => {
  it("puts a chunk's events in one outbox item and an audit record per invoice", () => {
    const [outbox, ...audits] = items(new InvoiceRecords(fakeOutbox(100), audit), ['a', 'b']);
    expect(eventsIn(outbox).map((e) => [e.customerId, e.type, e.data.status])).toEqual([
      ['a', 'billing.invoice.created', 'draft'],
      ['a', 'billing.invoice.finalized', 'open'],
      ['b', 'billing.invoice.created', 'draft'],
      ['b', 'billing.invoice.finalized', 'open'],
    ]);
    expect(audits.map((a) => a.Put?.Item?.audit)).toEqual([
      expect.objectContaining({ operation: 'invoice.create', entityId: 'inv_a_2026-03' }),
      expect.objectContaining({ operation: 'invoice.create', entityId: 'inv_b_2026-03' }),
    ]);
  });

  it('splits the events over as many outbox items as their size needs, losing none', () => {
    const customers = ['a', 'b', 'c', 'd', 'e'];
    const all = items(new InvoiceRecords(fakeOutbox(3), audit), customers);
    const outboxItems = all.filter((i) => i.Put?.Item?.events);
    expect(outboxItems.length).toBeGreaterThan(1);
    const events = outboxItems.flatMap(eventsIn);
    expect(events).toHaveLength(2 * customers.length);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  });

  it('audits a change from one state to another with its before and after', () => {
    const records = new InvoiceRecords(fakeOutbox(100), audit);
    const draft = invoice('a');
    const open = finalizedInvoice(draft, null, draft.createdAt);
    const [outbox, record] = records.itemsFor(
      [{ before: draft, after: open }],
      [{ type: 'billing.invoice.finalized', invoice: open }],
    );
    expect(eventsIn(outbox)).toHaveLength(1);
    expect(record.Put?.Item?.audit).toMatchObject({
      operation: 'invoice.open',
      before: { status: 'draft' },
      after: { status: 'open' },
    });
  });
});
