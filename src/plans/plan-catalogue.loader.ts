import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../common/time/clock';
import type { AppConfig } from '../config/configuration';
import { validatePlan } from '../pricing-core';
import type { PlanDocument } from '../pricing-core/plan.types';
import { PlansRepository } from './plans.repository';
import { PlansService } from './plans.service';

const CATALOGUE_EPOCH = new Date(0).toISOString();

export class PlanCatalogueError extends Error {
  override name = 'PlanCatalogueError';
}

interface CatalogueEntry extends PlanDocument {
  version?: number;
}

/** Reads and checks the catalogue file; every problem in it is reported at once. */
export async function readCatalogue(
  file: string,
): Promise<{ version: number; plan: PlanDocument }[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(resolve(file), 'utf8'));
  } catch (error) {
    throw new PlanCatalogueError(`Cannot read plan catalogue ${file}: ${(error as Error).message}`);
  }
  const plans = (parsed as { plans?: unknown }).plans;
  if (!Array.isArray(plans)) {
    throw new PlanCatalogueError(`Plan catalogue ${file} must hold {"plans": [...]}`);
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  const entries = (plans as CatalogueEntry[]).map(({ version = 1, ...plan }, index) => {
    for (const p of validatePlan(plan)) problems.push(`plans[${index}].${p.field}: ${p.message}`);
    if (!Number.isInteger(version) || version < 1) {
      problems.push(`plans[${index}].version: must be a whole number >= 1`);
    }
    if (seen.has(plan.id)) problems.push(`plans[${index}].id: "${plan.id}" appears twice`);
    seen.add(plan.id);
    return { version, plan };
  });
  if (problems.length > 0) {
    throw new PlanCatalogueError(
      `Plan catalogue ${file} is invalid:\n  - ${problems.join('\n  - ')}`,
    );
  }
  return entries;
}

/**
 * Loads the catalogue into the table at start. A plan version is written only when it does not
 * exist yet, so versions created through the API (always newer) are never overwritten, and
 * several instances starting at once write each version once.
 */
@Injectable()
export class PlanCatalogueLoader implements OnApplicationBootstrap {
  private readonly logger = new Logger('PlanCatalogue');

  constructor(
    private readonly plans: PlansRepository,
    private readonly service: PlansService,
    private readonly clock: Clock,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const entries = await readCatalogue(this.config.get('plans', { infer: true }).file);
    for (const { version, plan } of entries) {
      const latest = await this.plans.getLatestVersionNumber(plan.id);
      if (latest !== undefined && latest >= version) continue;
      const now = this.clock.now().toISOString();
      const written = await this.service.writeVersion({
        planId: plan.id,
        version,
        // A catalogue plan's first version has always been in force; later ones start now.
        effectiveFrom: latest === undefined ? CATALOGUE_EPOCH : now,
        createdAt: now,
        document: plan,
      });
      if (written) this.logger.log(`Loaded plan ${plan.id} version ${version} from the catalogue`);
    }
  }
}
