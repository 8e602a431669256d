import type { PlanDocument } from '../pricing-core/plan.types';

/** One immutable version of a plan. A plan's history is the list of its versions. */
export interface PlanVersion {
  planId: string;
  version: number;
  /** ISO-8601 UTC instant from which this version prices usage. */
  effectiveFrom: string;
  createdAt: string;
  document: PlanDocument;
}
