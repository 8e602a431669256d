import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BillingStack, type ComputeKind } from '../lib/billing-stack';
import { LAMBDA_PLACEHOLDER_DIR } from '../lib/service-asset';

/** Synthesizes the stack as `cdk synth -c stage=… -c compute=…` would, without the CLI. */
export function synth(stage: string, compute: ComputeKind): Template {
  const app = new App();
  const stack = new BillingStack(app, 'BillingStack', {
    stage,
    compute,
    lambdaAssetPath: LAMBDA_PLACEHOLDER_DIR,
  });
  return Template.fromStack(stack);
}

export type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>;

export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** The logical id a `{ "Ref": id }` or `{ "Fn::GetAtt": [id, …] }` points at. */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
}

export function logicalIdOf(template: Template, type: string): string {
  const ids = Object.keys(resourcesOf(template, type));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0];
}
