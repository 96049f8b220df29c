import { z } from 'zod';
import { ConfigError } from '../errors.ts';

/** A function-valued option (zod v4 has no function schema). */
export const fn = <F extends (...args: never[]) => unknown>() =>
  z.custom<F>((value) => typeof value === 'function', { message: 'expected a function' });

/** A declared resource (defineTopics, defineTables, defineBucket, defineIndex) or a plain name. */
export type ResourceRef = string | { readonly kind?: string; readonly name: string };

/** A topology resource given by name or as a declared object with a `name`. */
export const resourceName = z.custom<ResourceRef>(
  (value) =>
    typeof value === 'string'
      ? value.length > 0
      : typeof (value as { name?: unknown } | null)?.name === 'string' &&
        (value as { name: string }).name.length > 0,
  { message: 'expected a resource name or a declared resource' },
);
export const nameOf = (ref: ResourceRef): string => (typeof ref === 'string' ? ref : ref.name);

/**
 * Validates an options object at call time (load time of the topology). Unknown keys are rejected; the first
 * problem becomes a ConfigError naming the full path, e.g. `toS3(lake).maxObjectBytes`.
 */
export const parseOptions = <S extends z.ZodType>(schema: S, value: unknown, path: string): z.output<S> => {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ConfigError(path, 'invalid options');
  const where = [path, ...issue.path.map(String)].join('.');
  const unknownKeys =
    issue.code === 'unrecognized_keys' ? `unknown option(s) ${issue.keys.join(', ')}` : undefined;
  throw new ConfigError(where, unknownKeys ?? issue.message);
};
