import { z } from 'zod';

/**
 * Zod schemas for environment variables, shared by the core configuration and by every module's
 * fragment (see config-fragment.ts), so "true", whole numbers and blank strings mean the same
 * everywhere.
 */

export type Env = Record<string, string | undefined>;

export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

export const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback;
      if (!/^\d+$/.test(v.trim())) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number, got "${v}"` });
        return z.NEVER;
      }
      const n = Number(v);
      if (n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max}, got ${n}` });
        return z.NEVER;
      }
      return n;
    });

/** Blank counts as unset. */
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const optionalUrl = (example: string) =>
  optionalString.refine((v) => v === undefined || URL.canParse(v), {
    message: `must be a URL such as ${example}`,
  });

/** Comma-separated list; blank entries dropped. */
export const list = optionalString.transform((v) =>
  v === undefined
    ? []
    : v
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0),
);

/** One problem line per issue, prefixed with the variable's name. */
export function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}
