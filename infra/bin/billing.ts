#!/usr/bin/env node
import { Annotations, App } from 'aws-cdk-lib';
import { BillingStack, COMPUTE_KINDS, type ComputeKind } from '../lib/billing-stack';
import { resolveLambdaAsset } from '../lib/service-asset';

/**
 * `npx cdk synth|deploy [-c stage=prod] [-c compute=fargate] [-c desiredCount=N]
 * [-c alarmEmail=ops@example.com] [-c lambdaAsset=path]`. Account and region come from the AWS
 * CLI's profile, as usual.
 */
const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
};

const stage = context('stage') ?? 'dev';
if (!/^[a-z0-9-]{1,20}$/.test(stage)) {
  throw new Error(`stage "${stage}": use lowercase letters, digits and "-"`);
}
const compute = (context('compute') ?? 'lambda') as ComputeKind;
if (!COMPUTE_KINDS.includes(compute)) {
  throw new Error(`compute "${compute}": use ${COMPUTE_KINDS.join(' or ')}`);
}
const asset = resolveLambdaAsset(context('lambdaAsset'));
const desiredCount = context('desiredCount');
if (desiredCount !== undefined && !/^\d{1,2}$/.test(desiredCount)) {
  throw new Error(`desiredCount "${desiredCount}": use a whole number of tasks`);
}

const stack = new BillingStack(app, stage === 'dev' ? 'BillingStack' : `BillingStack-${stage}`, {
  stage,
  compute,
  lambdaAssetPath: asset.path,
  alarmEmail: context('alarmEmail'),
  desiredCount: desiredCount === undefined ? undefined : Number(desiredCount),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: `Usage billing service (${compute}, ${stage})`,
});
if (compute === 'lambda' && asset.placeholder) {
  Annotations.of(stack).addWarningV2(
    'usage-billing:lambda-placeholder',
    'The service is not built: the functions would run infra/lambda-placeholder, which fails every call. Run `npm run build` at the repository root first.',
  );
}
