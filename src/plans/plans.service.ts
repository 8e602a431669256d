import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { AuditService } from '../audit/audit.service';
import { planResponseKey, plansResponseKey, planVersionsKey } from './plan.cache-keys';
import { ValidationFailed } from '../common/errors/domain-error';
import { Clock } from '../common/time/clock';
import { InvalidPlanError, validatePlan } from '../pricing-core';
import type { PlanDocument } from '../pricing-core/plan.types';
import type { PlanVersion } from './plan.model';
import {
  PlanAlreadyExists,
  PlanCurrencyChange,
  PlanNotFound,
  PlanVersionConflict,
  UnknownPlan,
} from './plan.errors';
import { PlansRepository } from './plans.repository';

/** Fields a plan document may have; anything else is a typo that would silently change prices. */
const PLAN_FIELDS = new Set([
  'id',
  'name',
  'currency',
  'baseFee',
  'minimumCharge',
  'limits',
  'charges',
]);
const MAX_VERSION_ATTEMPTS = 5;
export const PLAN_VERSIONS_TTL_MS = 10_000;

/** Checks a plan document from a request; every problem is reported at once. */
export function checkPlanDocument(body: unknown): PlanDocument {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationFailed([{ field: '', messages: ['the plan must be a JSON object'] }]);
  }
  const problems = validatePlan(body);
  for (const key of Object.keys(body)) {
    if (!PLAN_FIELDS.has(key)) problems.push({ field: key, message: `${key} is not a plan field` });
  }
  if (problems.length > 0) throw new InvalidPlanError(problems);
  return body as PlanDocument;
}

/** The version of a plan in force at `at`: the newest version whose effectiveFrom has passed. */
export function versionInForce(versions: PlanVersion[], at: Date): PlanVersion | undefined {
  const t = at.getTime();
  let found: PlanVersion | undefined;
  for (const v of versions) {
    if (Date.parse(v.effectiveFrom) <= t && (!found || v.version > found.version)) found = v;
  }
  return found;
}

@Injectable()
export class PlansService {
  constructor(
    private readonly plans: PlansRepository,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
  ) {}

  /**
   * Writes a new version and its audit record in one transaction (plan versions move money).
   * False when that version number exists already.
   */
  async writeVersion(version: PlanVersion, previous?: PlanVersion): Promise<boolean> {
    const audit = this.audit.entries({
      operation: version.version === 1 ? 'plan.create' : 'plan.version',
      entityType: 'plan',
      entityId: version.planId,
      before: previous,
      after: version,
    });
    return this.plans.putVersionIfAbsent(version, audit);
  }

  /** A new plan: version 1, in force from now. */
  async create(document: PlanDocument): Promise<PlanVersion> {
    const now = this.clock.now().toISOString();
    const version: PlanVersion = {
      planId: document.id,
      version: 1,
      effectiveFrom: now,
      createdAt: now,
      document,
    };
    if (!(await this.writeVersion(version))) throw new PlanAlreadyExists(document.id);
    await this.invalidate(document.id);
    return version;
  }

  /**
   * A new version of an existing plan, in force from `effectiveFrom` (now when omitted). Earlier
   * versions stay readable and keep pricing the usage of their time.
   */
  async addVersion(document: PlanDocument, effectiveFrom?: Date): Promise<PlanVersion> {
    const planId = document.id;
    for (let attempt = 0; attempt < MAX_VERSION_ATTEMPTS; attempt++) {
      const versions = await this.plans.listVersions(planId);
      if (versions.length === 0) throw new PlanNotFound(planId);
      const latest = versions.reduce((a, b) => (b.version > a.version ? b : a));
      if (latest.document.currency !== document.currency) {
        throw new PlanCurrencyChange(planId, latest.document.currency, document.currency);
      }
      const now = this.clock.now();
      // A minute of grace for clock skew; anything older would re-price usage already charged.
      if (effectiveFrom && effectiveFrom.getTime() < now.getTime() - 60_000) {
        throw new ValidationFailed([
          { field: 'effectiveFrom', messages: ['effectiveFrom must not be in the past'] },
        ]);
      }
      const start = effectiveFrom && effectiveFrom > now ? effectiveFrom : now;
      const version: PlanVersion = {
        planId,
        version: latest.version + 1,
        effectiveFrom: start.toISOString(),
        createdAt: now.toISOString(),
        document,
      };
      // Two concurrent PUTs both aim at latest+1; the loser re-reads and takes the next number.
      if (await this.writeVersion(version, latest)) {
        await this.invalidate(planId);
        return version;
      }
    }
    throw new PlanVersionConflict(planId);
  }

  private async invalidate(planId: string): Promise<void> {
    await this.cache.mdel([planResponseKey(planId), plansResponseKey(), planVersionsKey(planId)]);
  }

  async getCurrent(planId: string): Promise<PlanVersion> {
    const current = versionInForce(await this.plans.listVersions(planId), this.clock.now());
    if (!current) throw new PlanNotFound(planId);
    return current;
  }

  /**
   * The version in force now, from versions cached for up to PLAN_VERSIONS_TTL_MS (hot paths such
   * as the daily-limit check at ingest). Versions are immutable; only new ones can appear.
   */
  async getCurrentCached(planId: string): Promise<PlanVersion | undefined> {
    const key = planVersionsKey(planId);
    let versions = await this.cache.get<PlanVersion[]>(key);
    if (!versions) {
      versions = await this.plans.listVersions(planId);
      await this.cache.set(key, versions, PLAN_VERSIONS_TTL_MS);
    }
    return versionInForce(versions, this.clock.now());
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
