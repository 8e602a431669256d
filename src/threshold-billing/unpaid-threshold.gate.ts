import { Injectable } from '@nestjs/common';
import type { UsageEvent } from '../usage/usage.model';
import {
  ADMIT_ALL,
  type GateDecision,
  type GateRefusal,
  UsageGate,
  eventsByCustomer,
} from '../usage/usage-gate';
import { BillingThresholdsService } from './billing-thresholds.service';

/**
 * Refuses usage (402 THRESHOLD_INVOICE_UNPAID) of a customer whose billing thresholds say
 * `blockWhenUnpaidAfter` while one of its threshold invoices of the current or previous period
 * stays unpaid longer than that. Paying (or voiding) the invoice lets usage in again at once.
 *
 * The thresholds are read at most every 10 s per instance and customer, so a customer without
 * the rule costs no I/O on most transactions; setting the rule takes effect on every instance
 * within that time. The unpaid check itself reads the store each time (it has to see a payment).
 */
@Injectable()
export class UnpaidThresholdGate extends UsageGate {
  readonly name = 'unpaid-threshold-invoices';
  constructor(private readonly thresholds: BillingThresholdsService) {
    super();
  }

  async admit(events: readonly UsageEvent[], now: Date): Promise<GateDecision> {
    const byCustomer = eventsByCustomer(events);
    const refused = new Map<UsageEvent, GateRefusal>();
    await Promise.all(
      [...byCustomer].map(async ([customerId, list]) => {
        const thresholds = await this.thresholds.findCached(customerId);
        if (thresholds?.blockWhenUnpaidAfter == null) return;
        const overdue = await this.thresholds.overdue(thresholds, now);
        if (overdue.length === 0) return;
        const refusal: GateRefusal = {
          code: 'THRESHOLD_INVOICE_UNPAID',
          kind: 'payment_required',
          message: `Threshold invoice ${overdue.map((i) => i.id).join(', ')} of customer ${customerId} is unpaid more than ${thresholds.blockWhenUnpaidAfter} s after it was finalized; usage is accepted again once it is paid`,
        };
        for (const event of list) refused.set(event, refusal);
      }),
    );
    return refused.size === 0 ? ADMIT_ALL : { refused, items: new Map() };
  }
}
