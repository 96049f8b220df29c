import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * The local tools' command lines, one convention: options checked strictly (an unknown one is a mistake), the
 * positionals counted; on a mistake `error: <what>` and the tool's usage line on stderr, exit code 2.
 */
export const toolArgs = <O extends Options>(
  argv: readonly string[],
  usage: string,
  options: O,
  positionals: { readonly min: number; readonly max: number },
) => {
  try {
    const parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    const n = parsed.positionals.length;
    if (n < positionals.min || n > positionals.max)
      throw new Error(
        `expected ${positionals.min === positionals.max ? positionals.min : `${positionals.min} to ${positionals.max}`} argument(s), got ${n}`,
      );
    return parsed;
  } catch (error) {
    return usageError(usage, (error as Error).message);
  }
};

/** Prints the mistake and the usage line, and exits 2 (bad arguments). */
export function usageError(usage: string, message: string): never {
  console.error(`error: ${message}`);
  console.error(usage);
  process.exit(2);
}
