import { Injectable } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import { BillingEventSubscriber, type BillingEventFor } from '../events';
import { AlertEvaluator } from './alert-evaluator';

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
    private readonly clock: Clock,
  ) {
    super();
  }

  async handle(event: BillingEventFor<AlertCauseType>): Promise<void> {
    if (!event.customerId) return;
    const usage =
      event.type === 'billing.usage.tracked' || event.type === 'billing.usage.corrected'
        ? event.data
        : undefined;
    await this.evaluator.evaluate({
      customerId: event.customerId,
      // The usage event that moved the value; for credit changes, the billing event.
      eventId: usage?.usageEventId ?? event.eventId,
      at: usage ? new Date(usage.timestamp) : this.clock.now(),
      type: event.type,
    });
  }
}
