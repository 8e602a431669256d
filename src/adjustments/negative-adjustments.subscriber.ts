import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import { formatMoney } from '../common/money';
import { CreditNotesService } from '../credit-notes/credit-notes.service';
import { type BillingEventFor, BillingEventSubscriber } from '../events';
import { PeriodAdjustmentsRepository } from './period-adjustments.repository';
import { PeriodAdjustments } from './period-adjustments.service';

/**
 * A correction that lowered an invoiced period's price is settled at once: a credit note on that
 * period's invoice for the difference (a credit to the customer when the invoice was paid, less
 * to pay while it is open or uncollectible), then the adjustment is marked settled. Durable and
 * idempotent: the note's id derives from the customer, period and correction version, so a
 * retry after a crash finds the note it made instead of making a second one.
 */
@Injectable()
export class NegativeAdjustments extends BillingEventSubscriber<'billing.usage.corrected'> {
  readonly name = 'usage-adjustments';
  readonly eventTypes = ['billing.usage.corrected'] as const;

  constructor(
    private readonly adjustments: PeriodAdjustments,
    private readonly notes: CreditNotesService,
    private readonly settlements: PeriodAdjustmentsRepository,
    private readonly clock: Clock,
  ) {
    super();
  }

  async handle(event: BillingEventFor<'billing.usage.corrected'>): Promise<void> {
    const customerId = event.customerId;
    if (!customerId || !event.data.periodClosed) return;
    const pending = (await this.adjustments.pending(customerId)).find(
      (p) => p.adjustment.period === event.data.period,
    );
    if (!pending || !pending.net.isNegative()) return;
    const { invoice, adjustment } = pending;
    const amount = formatMoney(pending.net.negated(), invoice.currency);
    await this.notes.issue(invoice.id, {
      creditNoteId: adjustmentNoteId(customerId, adjustment.period, adjustment.version),
      reason: 'other',
      memo: `Adjustment for ${adjustment.period}: usage corrected after it was invoiced`,
      amount,
      ...(invoice.status === 'paid' ? { credit: amount } : {}),
    });
    const settled = await this.settlements.write(
      this.adjustments.settleItems(
        customerId,
        pending,
        pending.net,
        this.clock.now().toISOString(),
      ),
    );
    // Moved meanwhile (another correction): thrown so the event is handled again, from there.
    if (!settled) throw new Error(`Adjustment of ${customerId} ${adjustment.period} moved`);
  }
}

/**
 * The credit note's id for one settlement: `adj-<period>-v<version>-<customer>`, or with a hash
 * of the customer id when that would pass the 60 characters a credit note id may have.
 */
export function adjustmentNoteId(customerId: string, period: string, version: number): string {
  const id = `adj-${period}-v${version}-${customerId}`;
  if (id.length <= 60) return id;
  const hash = createHash('sha256').update(customerId).digest('hex').slice(0, 24);
  return `adj-${period}-v${version}-${hash}`;
}
