import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import { ValidationFailed } from '../common/errors/domain-error';
import { Dec } from '../common/money';
import { RequestContext } from '../common/request-context';
import { Clock } from '../common/time/clock';
import { CustomersService } from '../customers/customers.service';
import type { TransactItem } from '../database/transact-item';
import { OutboxWriter } from '../events';
import { usageGenerationKey } from './usage.cache-keys';
import { UsageCorrectionConflict, UsageEventNotFound, UsageEventVoided } from './usage.errors';
import type {
  PeriodAdjustment,
  RecordedUsageEvent,
  UsageCorrection,
  UsageCorrectionType,
} from './usage.model';
import { UsageRepository } from './usage.repository';
import { checkQuantity } from './usage-rules';

/** A recorded event as a dispute needs it: original and current quantity, every correction. */
export interface UsageEventView {
  customerId: string;
  eventId: string;
  endpoint: string;
  timestamp: string;
  /** `YYYY-MM` of the timestamp: the period the event is billed in. */
  period: string;
  ingestedAt: string;
  originalQuantity: string;
  quantity: string;
  voided: boolean;
  corrections: UsageCorrection[];
}

/** A correction's answer: the event afterwards, and whether this call changed it. */
export interface CorrectionResult {
  event: UsageEventView;
  /** False when the event already was as asked (a repeated call): nothing was written. */
  corrected: boolean;
}

type Requested = { type: 'void' } | { type: 'amend'; quantity: string };

const MAX_ATTEMPTS = 10;

/**
 * Corrections of recorded usage: voiding an event or amending its quantity. The event item is
 * kept as recorded (its original quantity stays its identity for ingest replays); each
 * correction is a record of its own, linked to the event by key, and in the same transaction
 * the event's effective quantity and correction counter, the day and endpoint totals (moved by
 * the difference, with no daily-limit condition), the outbox event `billing.usage.corrected` and
 * the audit record (`usage.void` / `usage.amend`). The counter makes the write conditional, so
 * two concurrent corrections of one event never both apply: the loser reads again and decides
 * again (a repeat of the winner then changes nothing). Reads, charges, daily limits and the
 * credit gate see the corrected totals as soon as the call returns; cached usage reads are
 * invalidated as ingest does.
 *
 * Rules: voiding a voided event, or amending an event to the quantity it has, changes nothing
 * (`corrected: false`); a voided event cannot be amended (`USAGE_EVENT_VOIDED`); amended
 * quantities follow ingest's rule (0 to 1,000,000, at most 6 decimal places). Corrections are
 * not refused by the daily limit or by usage gates: they state what the usage really was.
 *
 * **Invoiced periods and billing.** When the event's period is closed (its invoice finalized),
 * the totals change the same way, so re-pricing the period gives the corrected price, and the
 * same transaction moves the period's pending adjustment (`USAGE#<customerId>` /
 * `ADJUST#<period>`) to its next `version`. The billing module settles adjustments through two
 * calls:
 *
 * - `pendingAdjustments(customerId)`: the periods corrected since they were last billed
 *   (`version > billedVersion`), oldest first, each with the version billing must re-price at;
 * - `markAdjustmentsBilled(customerId, adjustments)`: transaction items for the transaction that
 *   finalizes the invoice carrying those adjustments. Each holds only while its period is still
 *   at that version and was not billed at it before: a correction landing in between, or another
 *   invoice that already billed the version, fails the transaction, and billing builds again.
 *   One item per adjustment, counted in the transaction's 100 actions.
 *
 * Several corrections of one period between two invoices are one adjustment (netted): billing
 * re-prices the period from the corrected usage and charges or credits the difference from what
 * it already invoiced for it.
 */
@Injectable()
export class UsageCorrectionsService {
  constructor(
    private readonly usage: UsageRepository,
    private readonly customers: CustomersService,
    private readonly clock: Clock,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
  ) {}

  /** The event with its corrections; unknown customer or event → not found. */
  async view(customerId: string, eventId: string): Promise<UsageEventView> {
    await this.customers.get(customerId);
    const event = await this.usage.getEvent(customerId, eventId);
    if (!event) throw new UsageEventNotFound(customerId, eventId);
    return this.viewOf(event);
  }

  /** Removes the event from every total; again → unchanged. */
  void(customerId: string, eventId: string, reason: string): Promise<CorrectionResult> {
    return this.correct(customerId, eventId, { type: 'void' }, reason);
  }

  /** Gives the event another quantity (ingest's rule: a decimal from 0 to 1,000,000). */
  amend(
    customerId: string,
    eventId: string,
    quantity: unknown,
    reason: string,
  ): Promise<CorrectionResult> {
    const checked = checkQuantity(quantity);
    if ('problem' in checked) {
      throw new ValidationFailed([
        { field: 'quantity', messages: [`quantity ${checked.problem}`] },
      ]);
    }
    return this.correct(customerId, eventId, { type: 'amend', quantity: checked.quantity }, reason);
  }

  /** For billing: the customer's invoiced periods with corrections not billed yet. */
  pendingAdjustments(customerId: string): Promise<PeriodAdjustment[]> {
    return this.usage.pendingAdjustments(customerId);
  }

  /**
   * For billing's finalize transaction: marks these adjustments billed, each only while its
   * period is still at that version (see the class comment).
   */
  markAdjustmentsBilled(
    customerId: string,
    adjustments: readonly PeriodAdjustment[],
  ): TransactItem[] {
    return this.usage.adjustmentsBilledItems(
      customerId,
      adjustments,
      this.clock.now().toISOString(),
    );
  }

  private async correct(
    customerId: string,
    eventId: string,
    requested: Requested,
    reason: string,
  ): Promise<CorrectionResult> {
    await this.customers.get(customerId);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const event = await this.usage.getEvent(customerId, eventId);
      if (!event) throw new UsageEventNotFound(customerId, eventId);
      if (requested.type === 'amend' && event.voided) {
        throw new UsageEventVoided(customerId, eventId);
      }
      const target = requested.type === 'void' ? '0' : requested.quantity;
      const unchanged =
        requested.type === 'void' ? event.voided : new Dec(event.quantity).equals(target);
      if (unchanged) return { event: await this.viewOf(event), corrected: false };

      const period = event.timestamp.slice(0, 7);
      const correction: UsageCorrection = {
        seq: event.correctionSeq + 1,
        type: requested.type,
        previousQuantity: event.quantity,
        quantity: target,
        delta: new Dec(target).minus(event.quantity).toFixed(),
        reason,
        at: this.clock.now().toISOString(),
        actor: RequestContext.actor(),
        ...(RequestContext.requestId() ? { requestId: RequestContext.requestId() } : {}),
        periodClosed: await this.usage.isPeriodClosed(customerId, period),
      };
      const outcome = await this.usage.writeCorrection({
        event,
        correction,
        eventsDelta: requested.type === 'void' ? -1 : 0,
        extra: this.extraItems(event, correction, period),
      });
      if (outcome === 'applied') {
        // As after ingest: cached usage reads of the customer miss from now on.
        await this.cache.set(usageGenerationKey(customerId), randomUUID());
        const after = await this.usage.getEvent(customerId, eventId);
        return { event: await this.viewOf(after ?? event), corrected: true };
      }
      // The event was corrected (or its period closed) since it was read: read and decide again.
      if (outcome === 'conflict') {
        await new Promise((r) => setTimeout(r, 5 * 2 ** attempt * Math.random()));
      }
    }
    throw new UsageCorrectionConflict(customerId, eventId);
  }

  /** The outbox event and the audit record, for the correction's transaction. */
  private extraItems(
    event: RecordedUsageEvent,
    correction: UsageCorrection,
    period: string,
  ): TransactItem[] {
    const entry = this.outbox.entryFor([
      this.outbox.event(
        'billing.usage.corrected',
        {
          usageEventId: event.eventId,
          correction: correction.type,
          seq: correction.seq,
          endpoint: event.endpoint,
          previousQuantity: correction.previousQuantity,
          quantity: correction.quantity,
          delta: correction.delta,
          timestamp: event.timestamp,
          period,
          periodClosed: correction.periodClosed,
          reason: correction.reason,
        },
        { customerId: event.customerId, occurredAt: correction.at },
      ),
    ]);
    return [
      ...(entry ? [entry] : []),
      ...this.audit.entries({
        operation: `usage.${correction.type}` satisfies `usage.${UsageCorrectionType}`,
        entityType: 'usage_event',
        entityId: `${event.customerId}:${event.eventId}`,
        before: { quantity: correction.previousQuantity, voided: event.voided },
        after: {
          quantity: correction.quantity,
          voided: correction.type === 'void',
          seq: correction.seq,
          delta: correction.delta,
          period,
          periodClosed: correction.periodClosed,
          reason: correction.reason,
        },
      }),
    ];
  }

  private async viewOf(event: RecordedUsageEvent): Promise<UsageEventView> {
    return {
      customerId: event.customerId,
      eventId: event.eventId,
      endpoint: event.endpoint,
      timestamp: event.timestamp,
      period: event.timestamp.slice(0, 7),
      ingestedAt: event.ingestedAt,
      originalQuantity: event.originalQuantity,
      quantity: event.quantity,
      voided: event.voided,
      corrections: await this.usage.getCorrections(event.customerId, event.eventId),
    };
  }
}
