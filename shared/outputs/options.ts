// zod/mini: the same validation as classic zod at ~17 KB instead of ~450 KB in a minified function bundle.
// It carries no message locale, so every check below states its own message.
import * as z from 'zod/mini';
import { ConfigError } from '../errors.ts';

/** A function-valued option (zod v4 has no function schema). */
export const fn = <F extends (...args: never[]) => unknown>() =>
  z.custom<F>((value) => typeof value === 'function', { error: 'expected a function' });

/** An integer option within bounds. */
export const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .int({ error: 'expected an integer' })
    .check(z.minimum(min, { error: `must be ≥ ${min}` }), z.maximum(max, { error: `must be ≤ ${max}` }));

/** A non-empty string option. */
export const text = () =>
  z.string({ error: 'expected a string' }).check(z.minLength(1, { error: 'must not be empty' }));

/** One of a fixed set of strings. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });

/** A declared resource (defineTopics, defineTables, defineBucket, defineIndex) or a plain name. */
export type ResourceRef = string | { readonly kind?: string; readonly name: string };

/** A topology resource given by name or as a declared object with a `name`. */
export const resourceName = z.custom<ResourceRef>(
  (value) =>
    typeof value === 'string'
      ? value.length > 0
      : typeof (value as { name?: unknown } | null)?.name === 'string' &&
        (value as { name: string }).name.length > 0,
  { error: 'expected a resource name or a declared resource' },
);
export const nameOf = (ref: ResourceRef): string => (typeof ref === 'string' ? ref : ref.name);

/**
 * Validates an options object at call time (load time of the topology). Unknown keys are rejected; the first
 * problem becomes a ConfigError naming the full path, e.g. `toS3(lake).maxObjectBytes`.
 */
export const parseOptions = <S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
  path: string,
): z.output<S> => {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ConfigError(path, 'invalid options');
  const where = [path, ...issue.path.map(String)].join('.');
  const unknownKeys =
    issue.code === 'unrecognized_keys' ? `unknown option(s) ${issue.keys.join(', ')}` : undefined;
  throw new ConfigError(where, unknownKeys ?? issue.message);
};
