import type { PlanAssignment } from '../customers/customer.model';
import type { PlanVersion } from '../plans/plan.model';
import { versionInForce } from '../plans/plans.service';
import type { Period } from '../common/time/period';

/** A stretch of a period priced with one plan version. */
export interface ChargeSegment {
  planVersion: PlanVersion;
  from: Date;
  to: Date;
}

/**
 * Splits a period wherever the customer's plan changed or their plan got a new version, so each
 * stretch of usage is priced with the version in force at the time. Usage before the customer's
 * first plan (back-dated imports) is priced with that first plan, and usage before a plan's first
 * version with that first version (DESIGN §4).
 */
export function chargeSegments(
  period: Period,
  history: readonly PlanAssignment[],
  versionsByPlan: ReadonlyMap<string, readonly PlanVersion[]>,
): ChargeSegment[] {
  if (history.length === 0) throw new Error('a customer always has a plan');
  const start = period.start.getTime();
  const end = period.end.getTime();
  const boundaries = new Set<number>([start, end]);
  const inside = (t: number) => t > start && t < end;
  history.forEach((assignment, index) => {
    if (index > 0 && inside(Date.parse(assignment.from)))
      boundaries.add(Date.parse(assignment.from));
  });
  for (const versions of versionsByPlan.values()) {
    for (const v of versions) {
      if (inside(Date.parse(v.effectiveFrom))) boundaries.add(Date.parse(v.effectiveFrom));
    }
  }
  const sorted = [...boundaries].sort((a, b) => a - b);

  const segments: ChargeSegment[] = [];
  for (let i = 0; i < sorted.length - 1; i++) {
    const from = new Date(sorted[i]);
    const planId = assignmentAt(history, from).planId;
    const versions = versionsByPlan.get(planId) ?? [];
    const version = versionInForce([...versions], from) ?? firstVersion(versions);
    if (!version) throw new Error(`plan ${planId} has no versions`);
    const last = segments[segments.length - 1];
    if (
      last &&
      last.planVersion.planId === planId &&
      last.planVersion.version === version.version
    ) {
      last.to = new Date(sorted[i + 1]);
    } else {
      segments.push({ planVersion: version, from, to: new Date(sorted[i + 1]) });
    }
  }
  return segments;
}

function assignmentAt(history: readonly PlanAssignment[], at: Date): PlanAssignment {
  let current = history[0];
  for (const assignment of history) {
    if (Date.parse(assignment.from) <= at.getTime()) current = assignment;
  }
  return current;
}

function firstVersion(versions: readonly PlanVersion[]): PlanVersion | undefined {
  return versions.reduce<PlanVersion | undefined>(
    (first, v) => (!first || v.version < first.version ? v : first),
    undefined,
  );
}
