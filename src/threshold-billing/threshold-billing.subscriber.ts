import { Injectable } from '@nestjs/common';
import { periodOf } from '../common/time/period';
import { BillingEventSubscriber, type BillingEventFor, type CustomerWatch } from '../events';
import { ThresholdKeys } from './billing-thresholds.repository';
import { BillingThresholdsService } from './billing-thresholds.service';

type ThresholdCauseType = 'billing.usage.tracked' | 'billing.usage.corrected';

/**
 * Checks a customer's billing thresholds after each usage change (tracked, or corrected
 * upwards) and issues the threshold invoice when one is reached. Durable and at least once: a
 * redelivery finds the threshold billed and does nothing.
 */
@Injectable()
export class ThresholdBillingSubscriber extends BillingEventSubscriber<ThresholdCauseType> {
  readonly name = 'threshold-billing';
  readonly eventTypes = ['billing.usage.tracked', 'billing.usage.corrected'] as const;

  constructor(private readonly thresholds: BillingThresholdsService) {
    super();
  }

  async handle(event: BillingEventFor<ThresholdCauseType>): Promise<void> {
    await this.handleBatch([event]);
  }

  /**
   * Only the events of customers with billing thresholds are queued: their settings item is the
   * watch item (read with every other subscriber's in one batch). Setting thresholds checks the
   * current period at once, so usage committed before counts.
   */
  override readonly watch: CustomerWatch = {
    key: (customerId) => ThresholdKeys.config(customerId),
    watched: (_customerId, item) => item !== undefined,
  };

  /** The events of one transaction: one check per customer and period. */
  override async handleBatch(events: BillingEventFor<ThresholdCauseType>[]): Promise<void> {
    const checks = new Map<string, { customerId: string; period: string }>();
    for (const event of events) {
      if (!event.customerId) continue;
      const period = periodOf(new Date(event.data.timestamp)).id;
      checks.set(`${event.customerId}|${period}`, { customerId: event.customerId, period });
    }
    for (const { customerId, period } of checks.values()) {
      await this.thresholds.evaluate(customerId, period);
    }
  }
}
