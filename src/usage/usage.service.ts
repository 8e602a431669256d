import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Cache } from 'cache-manager';
import { randomUUID } from 'node:crypto';
import { usageGenerationKey } from './usage.cache-keys';
import { Clock } from '../common/time/clock';
import type { AppConfig } from '../config/configuration';
import { CustomersService } from '../customers/customers.service';
import { OutboxWriter } from '../events';
import { PlansService } from '../plans/plans.service';
import { checkUsageEvent } from './usage-rules';
import type { IngestOutcome, UsageEvent } from './usage.model';
import { type EventContext, UsageWriter } from './usage-writer';
import { UsageMetrics } from './usage.metrics';

const NO_EXTRA_ITEMS = { items: [], committed: () => {} };

@Injectable()
export class UsageService implements OnModuleInit {
  private readonly maxAgeDays: number;

  constructor(
    private readonly writer: UsageWriter,
    private readonly customers: CustomersService,
    private readonly plans: PlansService,
    private readonly clock: Clock,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    private readonly outbox: OutboxWriter,
    config: ConfigService<AppConfig, true>,
    private readonly metrics: UsageMetrics,
  ) {
    this.maxAgeDays = config.get('usage', { infer: true }).maxAgeDays;
  }

  onModuleInit(): void {
    this.writer.onCommit((events) => this.committed(events));
    // The usage.tracked events of a write travel in that write's transaction: one outbox item per
    // transaction, not per event, so publishing costs ingest one item per ~100 events. The item
    // is born claimed by this instance's relay, which delivers it right after the commit.
    this.writer.useExtraItems((events) => {
      const entry = this.outbox.ownedEntryFor(
        events.map((e) =>
          this.outbox.event(
            'billing.usage.tracked',
            {
              usageEventId: e.eventId,
              endpoint: e.endpoint,
              quantity: e.quantity,
              timestamp: e.timestamp,
            },
            { customerId: e.customerId, occurredAt: e.timestamp },
          ),
        ),
      );
      return entry ? { items: [entry.put], committed: () => entry.committed() } : NO_EXTRA_ITEMS;
    });
  }

  /**
   * Validates, resolves customers and limits, and writes. Outcomes come back in input order;
   * a bad event only ever fails itself.
   */
  async ingest(raws: unknown[]): Promise<IngestOutcome[]> {
    const now = this.clock.now();
    const outcomes = new Array<IngestOutcome | undefined>(raws.length);
    const toWrite: { index: number; context: EventContext }[] = [];
    const checked = raws.map((raw) => checkUsageEvent(raw, now, this.maxAgeDays));
    const customerIds = [
      ...new Set(checked.flatMap((c) => ('event' in c ? [c.event.customerId] : []))),
    ];
    const limits = new Map(
      await Promise.all(customerIds.map(async (id) => [id, await this.limitFor(id)] as const)),
    );

    checked.forEach((result, index) => {
      if ('error' in result) {
        const eventId = (raws[index] as { eventId?: unknown } | null)?.eventId;
        outcomes[index] = {
          eventId: typeof eventId === 'string' ? eventId : '',
          status: 'rejected',
          error: result.error,
        };
        return;
      }
      const limit = limits.get(result.event.customerId)!;
      if ('error' in limit) {
        outcomes[index] = { eventId: result.event.eventId, status: 'rejected', error: limit.error };
        return;
      }
      toWrite.push({ index, context: { event: result.event, unitsPerDay: limit.unitsPerDay } });
    });

    const written = await this.writer.write(toWrite.map((w) => w.context));
    written.forEach((outcome, i) => (outcomes[toWrite[i].index] = outcome));
    this.metrics.count(outcomes as IngestOutcome[]);
    return outcomes as IngestOutcome[];
  }

  /** The customer's state for ingest: refused when unknown or archived, else its daily limit. */
  private async limitFor(
    customerId: string,
  ): Promise<{ unitsPerDay?: string } | { error: IngestOutcome['error'] & object }> {
    const customer = await this.customers.getCached(customerId);
    if (!customer) {
      return {
        error: { code: 'UNKNOWN_CUSTOMER', message: `Customer ${customerId} does not exist` },
      };
    }
    if (customer.status !== 'active') {
      return {
        error: { code: 'CUSTOMER_ARCHIVED', message: `Customer ${customerId} is archived` },
      };
    }
    const plan = await this.plans.getCurrentCached(customer.planId);
    const limit = plan?.document.limits?.unitsPerDay;
    return { unitsPerDay: limit === undefined ? undefined : String(limit) };
  }

  /** Cached usage reads of these customers go stale now. */
  private async committed(events: UsageEvent[]): Promise<void> {
    await Promise.all(
      [...new Set(events.map((e) => e.customerId))].map((customerId) =>
        this.cache.set(usageGenerationKey(customerId), randomUUID()),
      ),
    );
  }
}
