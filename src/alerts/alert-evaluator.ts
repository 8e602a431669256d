import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { CreditBalanceService } from '../credits/credit-balance.service';
import { type Decimal, Dec, formatMoney, sumDecimals } from '../common/money';
import { Clock } from '../common/time/clock';
import { type BillingEventType, OutboxWriter } from '../events';
import type { AlertEventData } from '../events/billing-event-map';
import { ChargesService } from '../pricing/charges.service';
import { UsageQueryService } from '../usage/usage-query.service';
import {
  type Alert,
  type AlertMetric,
  type AlertTrigger,
  crossedThresholds,
  isCrossed,
  windowOf,
} from './alert.model';
import { AlertsRepository } from './alerts.repository';

/** What an evaluation is about: the customer, the event that moved the value, and its time. */
export interface AlertCause {
  customerId: string;
  eventId: string;
  type: BillingEventType;
  /** Which window the change belongs to (the usage event's own time; now for credits). */
  at: Date;
}

const USAGE_METRICS: readonly AlertMetric[] = ['spend', 'units'];

/**
 * Evaluates a customer's alerts after a change and fires the thresholds the value has crossed
 * in the change's window: each firing is a conditional put of the trigger record (alert,
 * window, threshold) with its `billing.alert.triggered` event and audit record in one
 * transaction, so a threshold fires once per window however often, and wherever, this runs.
 * A correction (or a credit change) that takes the value back re-arms the thresholds it no
 * longer crosses (`billing.alert.resolved`, the trigger record deleted, conditioned).
 */
@Injectable()
export class AlertEvaluator {
  constructor(
    private readonly repository: AlertsRepository,
    private readonly charges: ChargesService,
    private readonly usage: UsageQueryService,
    private readonly credits: CreditBalanceService,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async evaluate(cause: AlertCause): Promise<{ triggered: number; resolved: number }> {
    const result = { triggered: 0, resolved: 0 };
    // One key-only read; not cached, so an alert created on any instance counts at once.
    if (!(await this.repository.hasAlerts(cause.customerId))) return result;
    const usageChange = cause.type.startsWith('billing.usage.');
    const alerts = (await this.repository.listAlerts(cause.customerId)).filter((a) =>
      usageChange ? USAGE_METRICS.includes(a.metric) : a.metric === 'credit_balance',
    );
    // Usage only adds up when tracked: re-arming is for corrections and credit changes.
    const mayResolve = cause.type !== 'billing.usage.tracked';
    const values = new Map<string, Decimal>();
    for (const alert of alerts) {
      const window = windowOf(alert.window, cause.at);
      const key = `${alert.metric}|${alert.endpoint ?? ''}|${alert.chargeId ?? ''}|${window.id}`;
      let value = values.get(key);
      if (value === undefined) {
        value = await this.valueOf(alert, window);
        values.set(key, value);
      }
      const done = await this.apply(alert, window.id, value, cause, mayResolve);
      result.triggered += done.triggered;
      result.resolved += done.resolved;
    }
    return result;
  }

  private async valueOf(alert: Alert, window: { id: string; start: Date; end: Date }) {
    switch (alert.metric) {
      case 'spend': {
        const charges = await this.charges.forPeriod(alert.customerId, window.id);
        if (!alert.chargeId) return new Dec(charges.total);
        return sumDecimals(
          charges.lines.filter((l) => l.chargeId === alert.chargeId).map((l) => new Dec(l.amount)),
        );
      }
      case 'units': {
        if (alert.chargeId) {
          const charges = await this.charges.forPeriod(alert.customerId, window.id);
          return sumDecimals(
            charges.lines
              .filter((l) => l.chargeId === alert.chargeId)
              .map((l) => new Dec(l.quantity)),
          );
        }
        const rows = await this.usage.usageByEndpoint(alert.customerId, window.start, window.end);
        return sumDecimals(
          rows
            .filter((r) => alert.endpoint === null || r.endpoint === alert.endpoint)
            .map((r) => new Dec(r.quantity)),
        );
      }
      case 'credit_balance':
        return new Dec((await this.credits.balance(alert.customerId)).available);
    }
  }

  private async apply(
    alert: Alert,
    windowId: string,
    value: Decimal,
    cause: AlertCause,
    mayResolve: boolean,
  ): Promise<{ triggered: number; resolved: number }> {
    const done = { triggered: 0, resolved: 0 };
    const fired = await this.repository.listTriggers(alert.customerId, alert.alertId, windowId);
    const firedIndexes = new Set(fired.map((t) => t.index));
    const shown = this.formatter(alert);
    for (const threshold of crossedThresholds(alert, value)) {
      if (firedIndexes.has(threshold.index)) continue;
      const trigger: AlertTrigger = {
        triggerId: randomUUID(),
        alertId: alert.alertId,
        windowId,
        index: threshold.index,
        threshold: shown(threshold.value),
        value: shown(value),
        crossedBy: cause.eventId,
        triggeredAt: this.clock.now().toISOString(),
      };
      const data = this.eventData(alert, trigger, threshold.code);
      const event = this.outbox.event('billing.alert.triggered', data, {
        customerId: alert.customerId,
      });
      const outboxPut = this.outbox.entryFor([event]);
      // A failed condition: this threshold already fired in this window (another instance, a
      // redelivery). Nothing to do.
      const written = await this.repository.putTrigger(alert.customerId, trigger, [
        ...(outboxPut ? [outboxPut] : []),
        ...this.audit.entries({
          operation: 'alert.triggered',
          entityType: 'alert',
          entityId: `${alert.customerId}/${alert.alertId}`,
          after: data,
        }),
      ]);
      if (written) done.triggered++;
    }
    if (!mayResolve) return done;
    for (const trigger of fired) {
      if (isCrossed(alert, new Dec(trigger.threshold), value)) continue;
      const code = alert.thresholds[trigger.index]?.code ?? null;
      const data = {
        ...this.eventData(alert, trigger, code),
        value: shown(value),
        crossedBy: cause.eventId,
      };
      const event = this.outbox.event('billing.alert.resolved', data, {
        customerId: alert.customerId,
      });
      const outboxPut = this.outbox.entryFor([event]);
      const deleted = await this.repository.deleteTrigger(alert.customerId, trigger, [
        ...(outboxPut ? [outboxPut] : []),
        ...this.audit.entries({
          operation: 'alert.resolved',
          entityType: 'alert',
          entityId: `${alert.customerId}/${alert.alertId}`,
          before: trigger,
          after: data,
        }),
      ]);
      if (deleted) done.resolved++;
    }
    return done;
  }

  private eventData(alert: Alert, trigger: AlertTrigger, code: string | null): AlertEventData {
    return {
      alertId: alert.alertId,
      metric: alert.metric,
      window: alert.window,
      windowId: trigger.windowId,
      threshold: trigger.threshold,
      thresholdIndex: trigger.index,
      code,
      value: trigger.value,
      crossedBy: trigger.crossedBy,
    };
  }

  private formatter(alert: Alert): (d: Decimal) => string {
    return alert.metric === 'units' ? (d) => d.toFixed() : (d) => formatMoney(d, alert.currency);
  }
}
