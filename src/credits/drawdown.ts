import { type Decimal, fromMinorUnits, toMinorUnits } from '../common/money';

/**
 * Which grants pay how much of one period's invoice: a pure function, exact in the currency's
 * minor units (all arithmetic below is on bigint).
 *
 * Order: priority (lower first), then earliest expiry (none last), then oldest, then grant id.
 * Each grant in turn pays min(its remaining, its cap, what is still due).
 *
 * Time rule. A grant is usable for period P when it was in force at some point of P
 * (`effectiveAt < P.end` and `expiresAt` none or `> P.start`) and has something left. It pays
 * only for the part of P's charges that fell inside its window W = [effectiveAt, expiresAt) ∩ P:
 *
 *   share(W) = usage × (units used in W ÷ units used in P) + fixed × (|W| ÷ |P|)
 *
 * where `usage` is the sum of the invoice's usage lines and `fixed` that of its base-fee and
 * minimum lines (when P has no units at all, usage lines are shared by time like fixed ones).
 * A grant in force for the whole of P therefore caps at what is due.
 *
 * Several grants never pay the same part twice: the period is cut at every window boundary into
 * pieces, and a grant's cap is the largest amount that can still be attributed to pieces inside
 * its window once the grants before it keep theirs. For windows on a line that is, over every
 * interval I of pieces containing W: share(I) − Σ paid by earlier grants whose window lies in I,
 * the minimum of those, rounded DOWN to the minor unit. With one grant in part of P this is
 * exactly floor(share(W)); grants in force for all of P just share what is due.
 */

export interface DrawdownGrant {
  grantId: string;
  remaining: Decimal;
  priority: number;
  effectiveAt: Date;
  expiresAt: Date | null;
  createdAt: string;
}

export interface DrawdownCharges {
  /** Σ of the invoice's usage lines. */
  usage: Decimal;
  /** Σ of its base-fee and minimum lines. */
  fixed: Decimal;
  /** What is still due (≤ usage + fixed). */
  due: Decimal;
}

/**
 * Units used in [from, to). The pieces partition the period and cut it at least at every
 * `pieceBoundaries` instant of the usable grants.
 */
export interface UsagePiece {
  from: Date;
  to: Date;
  units: Decimal;
}

export interface DrawdownInput {
  currency: string;
  period: { start: Date; end: Date };
  charges: DrawdownCharges;
  grants: readonly DrawdownGrant[];
  /** Needed only when some usable grant is in force for part of the period. */
  pieces?: readonly UsagePiece[];
}

export interface Allocation {
  grantId: string;
  amount: Decimal;
}

export function usableInPeriod(grant: DrawdownGrant, period: { start: Date; end: Date }): boolean {
  return (
    grant.remaining.greaterThan(0) &&
    grant.effectiveAt < period.end &&
    (grant.expiresAt === null || grant.expiresAt > period.start)
  );
}

/** The drawdown order (see above); sorts a copy. */
export function inDrawdownOrder<T extends DrawdownGrant>(grants: readonly T[]): T[] {
  const expiry = (g: DrawdownGrant) => g.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  return [...grants].sort(
    (a, b) =>
      a.priority - b.priority ||
      expiry(a) - expiry(b) ||
      (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0) ||
      (a.grantId < b.grantId ? -1 : a.grantId > b.grantId ? 1 : 0),
  );
}

/** The period's start, end and every window boundary inside it, ascending. */
export function pieceBoundaries(
  period: { start: Date; end: Date },
  grants: readonly DrawdownGrant[],
): Date[] {
  const start = period.start.getTime();
  const end = period.end.getTime();
  const inside = new Set<number>([start, end]);
  for (const grant of grants) {
    for (const t of [grant.effectiveAt.getTime(), grant.expiresAt?.getTime()]) {
      if (t !== undefined && t > start && t < end) inside.add(t);
    }
  }
  return [...inside].sort((a, b) => a - b).map((t) => new Date(t));
}

export function drawdown(input: DrawdownInput): Allocation[] {
  const { currency, period, charges } = input;
  const minor = (d: Decimal) => toMinorUnits(d, currency);
  const grants = inDrawdownOrder(input.grants.filter((g) => usableInPeriod(g, period)));
  let dueLeft = minor(charges.due);
  if (grants.length === 0 || dueLeft <= 0n) return [];

  const needed = pieceBoundaries(period, grants).map((d) => d.getTime());
  let bounds = needed;
  let units: bigint[] = [0n];
  if (needed.length > 2 || input.pieces) {
    // Pieces may cut the period finer than needed, never coarser.
    const pieces = input.pieces ?? [];
    bounds = [...pieces.map((p) => p.from.getTime()), needed[needed.length - 1]];
    const contiguous = pieces.every(
      (p, k) => p.from.getTime() === bounds[k] && p.to.getTime() === bounds[k + 1] && p.to > p.from,
    );
    if (pieces.length === 0 || !contiguous || needed.some((t) => !bounds.includes(t))) {
      throw new Error('drawdown: usage pieces must cut the period at pieceBoundaries');
    }
    const places = Math.max(0, ...pieces.map((p) => p.units.decimalPlaces()));
    units = pieces.map((p) => BigInt(p.units.times(`1e${places}`).toFixed(0)));
  }
  const n = bounds.length - 1;
  const durations = bounds.slice(1).map((t, k) => BigInt(t - bounds[k]));
  const length = durations.reduce((a, b) => a + b, 0n);
  let totalUnits = units.reduce((a, b) => a + b, 0n);
  // No units at all: usage lines (e.g. a flat first tier) are shared by time like fees.
  if (totalUnits === 0n) {
    units = durations;
    totalUnits = length;
  }
  // Piece k's share of the charges is N[k] / den, exactly.
  const den = totalUnits * length;
  const usage = minor(charges.usage);
  const fixed = minor(charges.fixed);
  const prefix = [0n];
  for (let k = 0; k < n; k++) {
    prefix.push(prefix[k] + usage * units[k] * length + fixed * durations[k] * totalUnits);
  }
  // kept[i][j]: Σ paid (minor units) by decided grants whose window lies in pieces [i, j).
  const kept = Array.from({ length: n + 1 }, () => new Array<bigint>(n + 1).fill(0n));
  const index = (t: number) => bounds.indexOf(t);

  const allocations: Allocation[] = [];
  for (const grant of grants) {
    if (dueLeft <= 0n) break;
    const a = index(Math.max(grant.effectiveAt.getTime(), bounds[0]));
    const b = index(Math.min(grant.expiresAt?.getTime() ?? bounds[n], bounds[n]));
    let cap = minor(grant.remaining) < dueLeft ? minor(grant.remaining) : dueLeft;
    for (let i = 0; i <= a && cap > 0n; i++) {
      for (let j = b; j <= n && cap > 0n; j++) {
        const room = (prefix[j] - prefix[i] - den * kept[i][j]) / den;
        if (room < cap) cap = room;
      }
    }
    if (cap <= 0n) continue;
    for (let i = 0; i <= a; i++) for (let j = b; j <= n; j++) kept[i][j] += cap;
    dueLeft -= cap;
    allocations.push({ grantId: grant.grantId, amount: fromMinorUnits(cap, currency) });
  }
  return allocations;
}
