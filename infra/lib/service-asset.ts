import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (this file is infra/lib/service-asset.ts). */
export const REPO_ROOT = resolve(__dirname, '..', '..');
export const INFRA_DIR = resolve(__dirname, '..');

/**
 * Made by scripts/package-lambda.sh: the contents of dist/ (so the handlers are `lambda.http`, ...),
 * config/ and the production node_modules; Lambda runs in it, so PLANS_FILE's default resolves.
 */
export const LAMBDA_BUNDLE_DIR = join(INFRA_DIR, 'build', 'lambda');
/** Handlers that fail with a clear message; used until the service is built and packaged. */
export const LAMBDA_PLACEHOLDER_DIR = join(INFRA_DIR, 'lambda-placeholder');

export interface LambdaAsset {
  path: string;
  /** True when the functions would run the placeholder, not the service. */
  placeholder: boolean;
}

/**
 * Where the Lambda functions' code comes from. Synth never builds anything: it takes the bundle
 * scripts/package-lambda.sh assembled from the root's `npm run build` output, or, on a clean clone
 * (no dist/lambda.js, so no bundle), the placeholder, so that `cdk synth` and the tests work
 * without building the service. `explicit` (context `lambdaAsset`) overrides both.
 */
export function resolveLambdaAsset(explicit?: string): LambdaAsset {
  if (explicit) return { path: resolve(INFRA_DIR, explicit), placeholder: false };
  if (existsSync(join(LAMBDA_BUNDLE_DIR, 'lambda.js'))) {
    return { path: LAMBDA_BUNDLE_DIR, placeholder: false };
  }
  return { path: LAMBDA_PLACEHOLDER_DIR, placeholder: true };
}
