import { Dec, ZERO, formatMoney, sumDecimals } from '../common/money';
import type { ChargesJson } from '../pricing/charges.service';
import type { InvoiceAmounts, InvoiceLine } from './invoice.model';

/**
 * Turns a period's charges into invoice lines: one per charge line (with its tier breakdown), one
 * per prorated base fee, and the minimum-charge top-up. Lines add up to the total exactly,
 * because every amount is already rounded to the currency's minor unit.
 */
export function invoiceAmounts(charges: ChargesJson): InvoiceAmounts {
  const lines: InvoiceLine[] = [];
  const next = () => `L${lines.length + 1}`;
  const multiSegment = charges.segments.length > 1;
  for (const line of charges.lines) {
    lines.push({
      id: next(),
      kind: 'usage',
      description: `${line.chargeId} (${line.endpoint})${multiSegment ? ` — ${line.planId} v${line.planVersion}` : ''}: ${line.quantity} units`,
      amount: line.amount,
      chargeId: line.chargeId,
      endpoint: line.endpoint,
      model: line.model,
      quantity: line.quantity,
      planId: line.planId,
      planVersion: line.planVersion,
      tiers: line.tiers,
    });
  }
  for (const segment of charges.segments) {
    if (new Dec(segment.baseFee).isZero()) continue;
    lines.push({
      id: next(),
      kind: 'base_fee',
      description: `Base fee, ${segment.planId} v${segment.planVersion} (${segment.from.slice(0, 10)} – ${segment.to.slice(0, 10)})`,
      amount: segment.baseFee,
      planId: segment.planId,
      planVersion: segment.planVersion,
    });
  }
  if (!new Dec(charges.minimumTopUp).isZero()) {
    lines.push({
      id: next(),
      kind: 'minimum',
      description: 'Minimum charge top-up',
      amount: charges.minimumTopUp,
    });
  }
  return {
    currency: charges.currency,
    lines,
    subtotal: charges.subtotal,
    baseFee: charges.baseFee,
    minimumTopUp: charges.minimumTopUp,
    total: charges.total,
    credits: formatMoney(ZERO, charges.currency),
    amountDue: charges.total,
  };
}

/**
 * What a threshold invoice bills of the period's amounts: the usage lines only. Base fees and
 * the minimum charge stay with the period's own invoice, where they apply in full. Also what
 * finalizing a threshold invoice starts from (its stored usage lines).
 */
export function usageOnly(amounts: InvoiceAmounts): InvoiceAmounts {
  const { currency } = amounts;
  const lines = amounts.lines.filter((line) => line.kind === 'usage');
  const usage = formatMoney(sumDecimals(lines.map((l) => new Dec(l.amount))), currency);
  const zero = formatMoney(ZERO, currency);
  return {
    currency,
    lines,
    subtotal: usage,
    baseFee: zero,
    minimumTopUp: zero,
    total: usage,
    credits: zero,
    amountDue: usage,
  };
}
