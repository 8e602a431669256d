import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { ValidationFailed } from '../common/errors/domain-error';
import { IdGenerator } from '../common/ids';
import { type Decimal, Dec, formatMoney, moneyInput, parseDecimal } from '../common/money';
import { InvalidDecimalError } from '../common/money';
import { Clock } from '../common/time/clock';
import { CustomersService } from '../customers/customers.service';
import type { CreateAlertDto } from './alert.dto';
import { AlertConflict, AlertNotFound } from './alert.errors';
import { type Alert, type AlertTrigger, windowOf } from './alert.model';
import { AlertEvaluator } from './alert-evaluator';
import { AlertsRepository } from './alerts.repository';

/** What the API shows of an alert: the alert and its firings in the current window. */
export interface AlertView {
  alert: Alert;
  windowId: string;
  triggers: AlertTrigger[];
}

const UNITS_PLACES = 6;

@Injectable()
export class AlertsService {
  constructor(
    private readonly repository: AlertsRepository,
    private readonly customers: CustomersService,
    private readonly audit: AuditService,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly evaluator: AlertEvaluator,
  ) {}

  /** Creates an alert (created: true), or returns the one its alertId names when the same. */
  async create(
    customerId: string,
    input: CreateAlertDto,
  ): Promise<{ view: AlertView; created: boolean }> {
    const customer = await this.customers.get(customerId);
    const alert = this.newAlert(customerId, customer.currency, input);
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = input.alertId
        ? await this.repository.getAlert(customerId, input.alertId)
        : undefined;
      if (existing) {
        this.checkSame(existing, alert);
        await this.catchUp(existing);
        return { view: await this.view(existing), created: false };
      }
      const created = await this.repository.createAlert(
        alert,
        this.audit.entries({
          operation: 'alert.created',
          entityType: 'alert',
          entityId: `${customerId}/${alert.alertId}`,
          after: alert,
        }),
      );
      if (created) {
        await this.catchUp(alert);
        return { view: await this.view(alert), created: true };
      }
    }
    throw new AlertConflict(customerId, alert.alertId, ['alertId']);
  }

  /**
   * Evaluates the customer's alerts once the alert exists: usage committed before it never
   * reached the alerts queue (the subscriber skips customers without alerts), so a value already
   * past a threshold fires now (`crossedBy`: `alert:<alertId>`). Again on a retried create, in
   * case the first one failed after writing; the trigger records keep every firing single.
   */
  private async catchUp(alert: Alert): Promise<void> {
    await this.evaluator.evaluate({
      customerId: alert.customerId,
      eventId: `alert:${alert.alertId}`,
      type: alert.metric === 'credit_balance' ? 'billing.credits.granted' : 'billing.usage.tracked',
      at: this.clock.now(),
    });
  }

  async list(customerId: string): Promise<AlertView[]> {
    await this.customers.get(customerId);
    const alerts = await this.repository.listAlerts(customerId);
    return Promise.all(alerts.map((a) => this.view(a)));
  }

  async get(customerId: string, alertId: string): Promise<AlertView> {
    await this.customers.get(customerId);
    const alert = await this.repository.getAlert(customerId, alertId);
    if (!alert) throw new AlertNotFound(customerId, alertId);
    return this.view(alert);
  }

  /** Deletes an alert and its firings; answers the alert as it was. */
  async delete(customerId: string, alertId: string): Promise<AlertView> {
    const view = await this.get(customerId, alertId);
    const deleted = await this.repository.deleteAlert(
      customerId,
      alertId,
      this.audit.entries({
        operation: 'alert.deleted',
        entityType: 'alert',
        entityId: `${customerId}/${alertId}`,
        before: view.alert,
      }),
    );
    if (!deleted) throw new AlertNotFound(customerId, alertId);
    await this.repository.deleteTriggers(customerId, alertId);
    await this.repository.unwatchIfNoAlerts(customerId);
    return view;
  }

  private async view(alert: Alert): Promise<AlertView> {
    const windowId = windowOf(alert.window, this.clock.now()).id;
    const triggers = await this.repository.listTriggers(alert.customerId, alert.alertId, windowId);
    return { alert, windowId, triggers };
  }

  private newAlert(customerId: string, currency: string, input: CreateAlertDto): Alert {
    const problems: { field: string; messages: string[] }[] = [];
    const value = (raw: string, field: string): Decimal | undefined => {
      try {
        return input.metric === 'units' ? units(raw, field) : moneyInput(raw, currency, field);
      } catch (error) {
        if (!(error instanceof ValidationFailed)) throw error;
        problems.push(...(error.details as { fields: typeof problems }).fields);
        return undefined;
      }
    };
    const thresholds = input.thresholds.map((t, i) => value(t.value, `thresholds[${i}].value`));
    const recurringEvery =
      input.recurringEvery === undefined
        ? undefined
        : value(input.recurringEvery, 'recurringEvery');
    const decreasing = input.metric === 'credit_balance';
    thresholds.forEach((t, i) => {
      const before = thresholds[i - 1];
      if (i === 0 || !t || !before) return;
      if (decreasing ? !t.lessThan(before) : !t.greaterThan(before)) {
        problems.push({
          field: `thresholds[${i}].value`,
          messages: [
            `thresholds must be strictly ${decreasing ? 'decreasing' : 'increasing'} for ${input.metric}`,
          ],
        });
      }
    });
    if (input.endpoint !== undefined && input.metric !== 'units') {
      problems.push({ field: 'endpoint', messages: ['endpoint applies to the units metric only'] });
    }
    if (input.chargeId !== undefined) {
      const why =
        input.metric === 'credit_balance'
          ? 'chargeId applies to the spend and units metrics only'
          : input.endpoint !== undefined
            ? 'use either chargeId or endpoint'
            : input.window !== 'period'
              ? 'chargeId counts what the period priced: use the period window'
              : undefined;
      if (why) problems.push({ field: 'chargeId', messages: [why] });
    }
    if (input.recurringEvery !== undefined && decreasing) {
      problems.push({
        field: 'recurringEvery',
        messages: ['recurringEvery applies to spend and units only'],
      });
    }
    if (input.metric === 'spend' && input.window !== 'period') {
      problems.push({ field: 'window', messages: ['spend alerts use the period window'] });
    }
    if (problems.length > 0) throw new ValidationFailed(problems);
    const format = (d: Decimal) =>
      input.metric === 'units' ? d.toFixed() : formatMoney(d, currency);
    return {
      alertId: input.alertId ?? this.ids.next('al'),
      customerId,
      metric: input.metric,
      endpoint: input.endpoint ?? null,
      chargeId: input.chargeId ?? null,
      thresholds: input.thresholds.map((t, i) => ({
        value: format(thresholds[i] as Decimal),
        code: t.code ?? null,
      })),
      recurringEvery: recurringEvery ? format(recurringEvery) : null,
      window: input.window,
      currency,
      createdAt: this.clock.now().toISOString(),
    };
  }

  /** A replay must describe the same alert (values compared as decimals). */
  private checkSame(stored: Alert, requested: Alert): void {
    const differs: string[] = [];
    if (stored.metric !== requested.metric) differs.push('metric');
    if (stored.endpoint !== requested.endpoint) differs.push('endpoint');
    if ((stored.chargeId ?? null) !== (requested.chargeId ?? null)) differs.push('chargeId');
    if (stored.window !== requested.window) differs.push('window');
    const sameThresholds =
      stored.thresholds.length === requested.thresholds.length &&
      stored.thresholds.every(
        (t, i) =>
          new Dec(t.value).equals(requested.thresholds[i].value) &&
          t.code === requested.thresholds[i].code,
      );
    if (!sameThresholds) differs.push('thresholds');
    const sameRecurring =
      stored.recurringEvery === null || requested.recurringEvery === null
        ? stored.recurringEvery === requested.recurringEvery
        : new Dec(stored.recurringEvery).equals(requested.recurringEvery);
    if (!sameRecurring) differs.push('recurringEvery');
    if (differs.length > 0) throw new AlertConflict(stored.customerId, stored.alertId, differs);
  }
}

/** A quantity threshold: a decimal string > 0 with at most 6 places. */
function units(raw: string, field: string): Decimal {
  try {
    const value = parseDecimal(raw, { maxDecimalPlaces: UNITS_PLACES, maxIntegerDigits: 15 });
    if (value.greaterThan(0)) return value;
    throw new ValidationFailed([{ field, messages: [`${field} must be greater than 0`] }]);
  } catch (error) {
    if (!(error instanceof InvalidDecimalError)) throw error;
    throw new ValidationFailed([{ field, messages: [`${field} ${error.message}`] }]);
  }
}
