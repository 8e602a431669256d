import { z } from 'zod';
import { type Env, zodProblems } from './env-vars';

/**
 * A module's own configuration: the variables it reads, how they become its typed settings, and
 * which of them are secrets. Defined in the module's folder with `defineConfig` and read with
 * `ConfigService.get('<namespace>', { infer: true })` like the core namespaces; `loadConfig`
 * validates the core and every defined fragment together, so one start lists every problem.
 *
 * The namespace's type joins `AppConfig` through declaration merging, next to the definition:
 *
 *   export const notificationsConfig = defineConfig('notifications', { NOTIFY_WEBHOOK_URL: list },
 *     (vars) => ({ urls: vars.NOTIFY_WEBHOOK_URL }));
 *   declare module '../config/config-fragment' {
 *     interface ModuleConfigs { notifications: ConfigOf<typeof notificationsConfig> }
 *   }
 */

// Filled by the fragments' own files; each adds its namespace (see above).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ModuleConfigs {}

export interface ConfigContext {
  isProduction: boolean;
}

export interface ConfigFragment<N extends string = string, T = unknown> {
  readonly namespace: N;
  /** The settings, or the problems (each starting with the variable's name). */
  load(env: Env, context: ConfigContext): { value: T; problems: [] } | { problems: string[] };
  /** Values in the settings that must never reach a log line. */
  secrets(value: T): (string | undefined)[];
}

export type ConfigOf<F> = F extends ConfigFragment<string, infer T> ? T : never;

const fragments = new Map<string, ConfigFragment>();
const CORE_NAMESPACES = new Set<string>();

/** Namespaces the core configuration uses; a fragment cannot take one of them. */
export function reserveCoreNamespaces(namespaces: string[]): void {
  for (const namespace of namespaces) CORE_NAMESPACES.add(namespace);
}

export interface FragmentOptions<T> {
  /** Checks across variables; push a problem per violation. */
  check?: (value: T, context: ConfigContext, problems: string[]) => void;
  secrets?: (value: T) => (string | undefined)[];
}

export function defineConfig<N extends string, S extends z.ZodRawShape, T>(
  namespace: N,
  variables: S,
  build: (vars: z.output<z.ZodObject<S>>, context: ConfigContext) => T,
  options: FragmentOptions<T> = {},
): ConfigFragment<N, T> {
  if (CORE_NAMESPACES.has(namespace) || fragments.has(namespace)) {
    throw new Error(
      `Configuration namespace "${namespace}" is taken (by the core or another module)`,
    );
  }
  const schema = z.object(variables);
  const fragment: ConfigFragment<N, T> = {
    namespace,
    load(env, context) {
      const parsed = schema.safeParse(env);
      if (!parsed.success) return { problems: zodProblems(parsed.error) };
      const value = build(parsed.data, context);
      const problems: string[] = [];
      options.check?.(value, context, problems);
      return problems.length > 0 ? { problems } : { value, problems: [] };
    },
    secrets: (value) => options.secrets?.(value) ?? [],
  };
  fragments.set(namespace, fragment);
  return fragment;
}

/** Every fragment defined so far (the modules the app imports define theirs on import). */
export function configFragments(): ConfigFragment[] {
  return [...fragments.values()];
}
