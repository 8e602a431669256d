import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dec } from '../common/money';
import { serializeBreakdown } from './breakdown.serializer';
import type { ChargeDefinition, PlanDocument, UsageRow } from './plan.types';
import { priceUsage } from './price-usage';
import { validatePlan } from './validate-plan';

/*
 * Table-driven tests: every fixtures/*.json file is run here, so a new case is new JSON only.
 *
 * Pricing file: { description, source?, currency?, plan?, cases: [case] } where a case is
 *   { name, plan? | charge?, usage? | quantity?, options?: { baseFeeFactor: "0.5" | "17/31" },
 *     expected }.
 *   - plan: the case's plan; else `charge` wrapped in a plan with no base fee or minimum (in the
 *     file's `currency`, default USD); else the file's `plan`.
 *   - quantity: shorthand for usage [{ endpoint: "/api/test", quantity, events: 1 }].
 *   - expected: a subset of the serialized API breakdown (strings), compared with toMatchObject,
 *     so arrays such as lines and tiers must list every element.
 *
 * Validation file: { description, basePlan, validationCases: [case] } where a case is
 *   { name, plan? , set?: { "charges[0].tiers[1].upTo": 5 }, unset?: ["limits"], expectedFields }.
 *   The plan is `plan` if given, else a copy of basePlan with `set`/`unset` applied; the fields
 *   validatePlan reports must equal expectedFields (order ignored, duplicates kept).
 */

interface PricingCase {
  name: string;
  plan?: PlanDocument;
  charge?: ChargeDefinition;
  usage?: UsageRow[];
  quantity?: string;
  options?: { baseFeeFactor?: string };
  expected: Record<string, unknown>;
}

interface ValidationCase {
  name: string;
  plan?: unknown;
  set?: Record<string, unknown>;
  unset?: string[];
  expectedFields: string[];
}

interface FixtureFile {
  description: string;
  currency?: string;
  plan?: PlanDocument;
  cases?: PricingCase[];
  basePlan?: unknown;
  validationCases?: ValidationCase[];
}

const FIXTURES = join(__dirname, 'fixtures');
const files = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => ({
    name,
    fixture: JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as FixtureFile,
  }));

function planFor(file: FixtureFile, testCase: PricingCase): PlanDocument {
  if (testCase.plan) return testCase.plan;
  if (testCase.charge) {
    return {
      id: 'fixture',
      name: 'Fixture',
      currency: file.currency ?? 'USD',
      baseFee: '0',
      minimumCharge: '0',
      charges: [testCase.charge],
    };
  }
  if (file.plan) return file.plan;
  throw new Error(`case "${testCase.name}" has no plan, charge or file-level plan`);
}

function usageFor(testCase: PricingCase): UsageRow[] {
  if (testCase.usage) return testCase.usage;
  if (testCase.quantity !== undefined) {
    return [{ endpoint: '/api/test', quantity: testCase.quantity, events: 1 }];
  }
  return [];
}

function factor(text: string | undefined) {
  if (text === undefined) return undefined;
  const [numerator, denominator = '1'] = text.split('/');
  return new Dec(numerator).dividedBy(new Dec(denominator));
}

function pathKeys(path: string): string[] {
  return path.match(/[^.[\]]+/g) ?? [];
}

function applyPatch(base: unknown, testCase: ValidationCase): unknown {
  const doc = structuredClone(base) as Record<string, unknown>;
  const walk = (path: string, apply: (parent: Record<string, unknown>, key: string) => void) => {
    const keys = pathKeys(path);
    const last = keys.pop() as string;
    const parent = keys.reduce<Record<string, unknown>>(
      (node, key) => node[key] as Record<string, unknown>,
      doc,
    );
    apply(parent, last);
  };
  for (const [path, value] of Object.entries(testCase.set ?? {})) {
    walk(path, (parent, key) => {
      parent[key] = value;
    });
  }
  for (const path of testCase.unset ?? []) {
    walk(path, (parent, key) => {
      delete parent[key];
    });
  }
  return doc;
}

const pricingFiles = files.filter(({ fixture }) => fixture.cases);
const validationFiles = files.filter(({ fixture }) => fixture.validationCases);

it('finds the fixture files', () => {
  expect(pricingFiles.length).toBeGreaterThan(0);
  expect(validationFiles.length).toBeGreaterThan(0);
});

describe.each(pricingFiles)('$name', ({ fixture }) => {
  const cases = (fixture.cases ?? []).map((c) => [c.name, c] as const);

  it.each(cases)('%s', (_name, testCase) => {
    const plan = planFor(fixture, testCase);
    const breakdown = priceUsage(plan, usageFor(testCase), {
      baseFeeFactor: factor(testCase.options?.baseFeeFactor),
    });
    expect(serializeBreakdown(breakdown)).toMatchObject(testCase.expected);
  });
});

describe.each(validationFiles)('$name', ({ fixture }) => {
  const cases = (fixture.validationCases ?? []).map((c) => [c.name, c] as const);

  it.each(cases)('%s', (_name, testCase) => {
    const doc = 'plan' in testCase ? testCase.plan : applyPatch(fixture.basePlan, testCase);
    const fields = validatePlan(doc).map((problem) => problem.field);
    expect(fields.sort()).toEqual([...testCase.expectedFields].sort());
  });
});
