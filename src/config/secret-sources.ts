import type { Env } from './env-vars';

/**
 * Which configuration values may come from AWS Secrets Manager, and from which secret. Each value
 * has its own variable naming a secret whose string is the value (`STRIPE_SECRET_KEY_ARN`, ...),
 * or one JSON secret holds several (`BILLING_SECRETS_ARN`). A value is set one way only: setting
 * `STRIPE_SECRET_KEY` and `STRIPE_SECRET_KEY_ARN` (or a JSON secret holding STRIPE_SECRET_KEY) is a
 * configuration error, so nobody has to guess which one the service uses.
 */

/** The variables a secret can supply, exactly as they would be set directly. */
export const SECRET_VARIABLES = [
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'BILLING_API_KEYS',
  // Signs document share links (documents module); used as read at start.
  'DOCUMENT_LINK_SECRET',
] as const;
export type SecretVariable = (typeof SECRET_VARIABLES)[number];

/** What Secrets Manager supplied: variable → value (never logged). */
export type SecretValues = Partial<Record<SecretVariable, string>>;

/** The JSON secret holding several values: `{"STRIPE_SECRET_KEY": "...", ...}`. */
export const BUNDLE_VARIABLE = 'BILLING_SECRETS_ARN';

export interface SecretSource {
  /** The variable naming the secret: `STRIPE_SECRET_KEY_ARN`, ..., or `BILLING_SECRETS_ARN`. */
  variable: string;
  /** ARN (or name) of the secret, as GetSecretValue's SecretId. */
  secretId: string;
  /** The variable the secret's string is, or 'bundle' for the JSON secret. */
  holds: SecretVariable | 'bundle';
}

const arnVariable = (variable: SecretVariable) => `${variable}_ARN`;
const blank = (value: string | undefined) => value === undefined || value.trim() === '';

/** The configured secrets, and problems with how they are configured (never with values). */
export function secretSourcesOf(env: Env): { sources: SecretSource[]; problems: string[] } {
  const sources: SecretSource[] = [];
  const problems: string[] = [];
  for (const variable of SECRET_VARIABLES) {
    const secretId = env[arnVariable(variable)];
    if (blank(secretId)) continue;
    if (!blank(env[variable])) {
      problems.push(
        `${variable}: set both directly and as ${arnVariable(variable)}; set one of them`,
      );
    }
    sources.push({ variable: arnVariable(variable), secretId: secretId!.trim(), holds: variable });
  }
  const bundle = env[BUNDLE_VARIABLE];
  if (!blank(bundle)) {
    if (sources.length > 0) {
      problems.push(
        `${BUNDLE_VARIABLE}: set together with ${sources.map((s) => s.variable).join(', ')}; use the one JSON secret or one secret per value`,
      );
    }
    sources.push({ variable: BUNDLE_VARIABLE, secretId: bundle!.trim(), holds: 'bundle' });
  }
  return { sources, problems };
}

/**
 * The values a secret's string supplies: the string itself, or the known keys of the JSON
 * secret. Problems name the variable and what is wrong, never the value.
 */
export function valuesOfSecret(
  source: SecretSource,
  secretString: string,
): { values: SecretValues; problems: string[] } {
  if (source.holds !== 'bundle') {
    return secretString.trim() === ''
      ? { values: {}, problems: [`${source.variable}: the secret's value is empty`] }
      : { values: { [source.holds]: secretString.trim() }, problems: [] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return {
      values: {},
      problems: [
        `${source.variable}: the secret's value must be a JSON object with ${SECRET_VARIABLES.join(', ')}`,
      ],
    };
  }
  const values: SecretValues = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (!(SECRET_VARIABLES as readonly string[]).includes(key)) {
      // Key names are not secret; a misspelt one would otherwise be silently ignored.
      problems.push(
        `${source.variable}: unknown key "${key.slice(0, 64)}" (expected ${SECRET_VARIABLES.join(', ')})`,
      );
    } else if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`${source.variable}: "${key}" must be a non-empty string`);
    } else {
      values[key as SecretVariable] = value.trim();
    }
  }
  if (problems.length === 0 && Object.keys(values).length === 0) {
    problems.push(
      `${source.variable}: the JSON secret holds none of ${SECRET_VARIABLES.join(', ')}`,
    );
  }
  return { values, problems };
}

/**
 * Problems of values read from Secrets Manager against the environment: a value the JSON secret
 * holds must not also be set directly.
 */
export function conflictsOf(env: Env, values: SecretValues, sources: SecretSource[]): string[] {
  const bundle = sources.find((s) => s.holds === 'bundle');
  if (!bundle) return [];
  return SECRET_VARIABLES.filter((v) => values[v] !== undefined && !blank(env[v])).map(
    (v) => `${v}: set both directly and in the JSON secret ${BUNDLE_VARIABLE}; set one of them`,
  );
}
