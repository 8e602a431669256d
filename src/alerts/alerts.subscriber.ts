import { Injectable } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import { BillingEventSubscriber, type BillingEventFor, type CustomerWatch } from '../events';
import { type AlertCause, AlertEvaluator } from './alert-evaluator';
import { AlertKeys, AlertsRepository } from './alerts.repository';

const ALERT_CAUSES = [
  'billing.usage.tracked',
  'billing.usage.corrected',
  'billing.credits.granted',
  'billing.credits.applied',
  'billing.credits.expired',
  'billing.credits.voided',
  'billing.credits.reversed',
] as const;
type AlertCauseType = (typeof ALERT_CAUSES)[number];

/**
 * Evaluates a customer's alerts after each change that can move a watched value: usage
 * (tracked, corrected) for spend and units, credit changes for credit_balance. Durable and at
 * least once: a redelivery evaluates again and the trigger records keep every firing single.
 */
@Injectable()
export class AlertsSubscriber extends BillingEventSubscriber<AlertCauseType> {
  readonly name = 'alerts';
  readonly eventTypes = ALERT_CAUSES;

  constructor(
    private readonly evaluator: AlertEvaluator,
    private readonly repository: AlertsRepository,
    private readonly clock: Clock,
  ) {
    super();
  }

  async handle(event: BillingEventFor<AlertCauseType>): Promise<void> {
    const cause = this.causeOf(event);
    if (cause) await this.evaluator.evaluate(cause);
  }

  /**
   * The events of one transaction (a usage batch): one evaluation per customer, kind of change
   * and day instead of one per event. The values are read after the whole transaction either
   * way, so the first event of each group is the one that crossed, as with one call each.
   */
  override async handleBatch(events: BillingEventFor<AlertCauseType>[]): Promise<void> {
    const first = new Map<string, AlertCause>();
    for (const event of events) {
      const cause = this.causeOf(event);
      if (!cause) continue;
      const key = `${cause.customerId}|${cause.type}|${cause.at.toISOString().slice(0, 10)}`;
      if (!first.has(key)) first.set(key, cause);
    }
    for (const cause of first.values()) await this.evaluator.evaluate(cause);
  }

  /**
   * Only the events of customers that have alerts are queued: the customer's alert watch item
   * says so (read with every other subscriber's in one batch; AlertsRepository.watched). An
   * alert created later is evaluated when it is created, so the usage committed before it
   * counts (AlertsService.create).
   */
  override readonly watch: CustomerWatch = {
    key: (customerId) => AlertKeys.watch(customerId),
    watched: (customerId, item) => this.repository.watched(customerId, item),
  };

  private causeOf(event: BillingEventFor<AlertCauseType>): AlertCause | undefined {
    if (!event.customerId) return undefined;
    const usage =
      event.type === 'billing.usage.tracked' || event.type === 'billing.usage.corrected'
        ? event.data
        : undefined;
    return {
      customerId: event.customerId,
      // The usage event that moved the value; for credit changes, the billing event.
      eventId: usage?.usageEventId ?? event.eventId,
      at: usage ? new Date(usage.timestamp) : this.clock.now(),
      type: event.type,
    };
  }
}
