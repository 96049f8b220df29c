import { ConfigError } from '../errors.ts';
import type * as z from '../zod.ts';

/** `['source', 'batchSize']` → `source.batchSize`; array positions as `[i]`. */
export const joinPath = (prefix: string, path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (joined, part) =>
      typeof part === 'number' ? `${joined}[${part}]` : joined ? `${joined}.${String(part)}` : String(part),
    prefix,
  );

/**
 * One ConfigError for a failed parse: the first problem names its path; any others follow in the message, so a
 * topology with several mistakes is fixed in one pass.
 */
export const toConfigError = (error: z.core.$ZodError, prefix: string): ConfigError => {
  const problems = error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: joinPath(prefix, [...issue.path, key]),
        message: 'unknown key',
      }));
    }
    return [{ path: joinPath(prefix, issue.path), message: issue.message }];
  });
  const [first, ...rest] = problems;
  if (first === undefined) return new ConfigError(prefix, 'is invalid');
  const more = rest.map((p) => `${p.path}: ${p.message}`);
  return new ConfigError(
    first.path,
    more.length ? `${first.message} (also: ${more.join('; ')})` : first.message,
  );
};
