import { Injectable } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import type { PlanVersion } from './plan.model';
import { PlanNotFound, UnknownPlan } from './plan.errors';
import { PlansRepository } from './plans.repository';

/** The version of a plan in force at `at`: the newest version whose effectiveFrom has passed. */
export function versionInForce(versions: PlanVersion[], at: Date): PlanVersion | undefined {
  const iso = at.toISOString();
  let found: PlanVersion | undefined;
  for (const v of versions) {
    if (v.effectiveFrom <= iso && (!found || v.version > found.version)) found = v;
  }
  return found;
}

@Injectable()
export class PlansService {
  constructor(
    private readonly plans: PlansRepository,
    private readonly clock: Clock,
  ) {}

  async getCurrent(planId: string): Promise<PlanVersion> {
    const current = versionInForce(await this.plans.listVersions(planId), this.clock.now());
    if (!current) throw new PlanNotFound(planId);
    return current;
  }

  async getVersion(planId: string, version: number): Promise<PlanVersion> {
    const found = await this.plans.getVersion(planId, version);
    if (!found) throw new PlanNotFound(planId, version);
    return found;
  }

  async listVersions(planId: string): Promise<PlanVersion[]> {
    const versions = await this.plans.listVersions(planId);
    if (versions.length === 0) throw new PlanNotFound(planId);
    return versions;
  }

  /** The current version of every plan that has one in force. */
  async listCurrent(): Promise<PlanVersion[]> {
    const now = this.clock.now();
    const ids = await this.plans.listPlanIds();
    const versions = await Promise.all(ids.map((id) => this.plans.listVersions(id)));
    return versions
      .map((v) => versionInForce(v, now))
      .filter((v): v is PlanVersion => v !== undefined);
  }

  /** For resources that reference a plan: an unknown plan is a 422, not a 404. */
  async requireCurrent(planId: string): Promise<PlanVersion> {
    try {
      return await this.getCurrent(planId);
    } catch (error) {
      if (error instanceof PlanNotFound) throw new UnknownPlan(planId);
      throw error;
    }
  }
}
