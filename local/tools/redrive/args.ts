import { parseArgs } from 'node:util';
import { ConfigError } from '../../../shared/errors.ts';
import type { Letter } from './letter.ts';

export const USAGE =
  'usage: npm run redrive -- <dead-letter topic | s3://bucket/prefix | folder> [--flow F] ' +
  '[--where stage=S|class=C|reason~=TEXT]... [--to TOPIC] [--dry-run] [--from-source] [--remote] [--stack NAME] [--ledger TOPIC]';

/** Where the records to redrive are. */
export type RedriveFrom =
  | { readonly kind: 'topic'; readonly topic: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 'folder'; readonly path: string };

export interface RedriveArgs {
  readonly from: RedriveFrom;
  /** Only letters of this flow. @default every flow */
  readonly flow?: string;
  /** Every condition must hold. @default none */
  readonly where: readonly Condition[];
  /** The topic to publish to. @default the source topic each letter names */
  readonly to?: string;
  /** Count and print, write nothing. @default false */
  readonly dryRun: boolean;
  /** Against the deployed stacks instead of the local servers. @default false */
  readonly remote: boolean;
  /** The stack whose outputs name the deployed flows. @default 'SluiceFlows' */
  readonly stack: string;
  /** The compacted topic recording what was redriven. @default '_sluice.redrive' */
  readonly ledger: string;
  /** Re-read a dead letter sent without its value from its source topic, if still retained. @default false */
  readonly fromSource: boolean;
}

export interface Condition {
  readonly field: 'stage' | 'class' | 'reason';
  /** `=` equals, `~=` contains. */
  readonly op: '=' | '~=';
  readonly value: string;
  readonly text: string;
}

const fields = { stage: 'stage', class: 'class', reason: 'reason' } as const;

const condition = (text: string): Condition => {
  const match = /^(stage|class|reason)(~?=)(.*)$/s.exec(text);
  if (!match) throw new ConfigError(`--where ${text}`, 'expected stage=S, class=C or reason~=TEXT');
  const field = fields[match[1] as keyof typeof fields];
  return { field, op: match[2] as Condition['op'], value: match[3] as string, text };
};

const fromOf = (location: string): RedriveFrom => {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (s3) return { kind: 's3', bucket: s3[1] as string, prefix: s3[2] as string };
  if (location.startsWith('s3:')) throw new ConfigError(location, 'expected s3://bucket/prefix');
  // Topic names cannot contain a slash; a path always can (./x, /x, .local/on-failure/x).
  if (location.includes('/')) return { kind: 'folder', path: location };
  return { kind: 'topic', topic: location };
};

/** Parses the command line; a mistake is a ConfigError naming the argument. */
export const parseRedriveArgs = (argv: readonly string[]): RedriveArgs => {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new ConfigError('arguments', (error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    throw new ConfigError(
      'arguments',
      `expected one dead-letter topic or failed-batch location, got ${positionals.length}`,
    );
  }
  return {
    from: fromOf(positionals[0] as string),
    ...(values.flow !== undefined ? { flow: values.flow } : {}),
    where: (values.where ?? []).map(condition),
    ...(values.to !== undefined ? { to: values.to } : {}),
    dryRun: values['dry-run'] ?? false,
    remote: values.remote ?? false,
    stack: values.stack ?? 'SluiceFlows',
    ledger: values.ledger ?? '_sluice.redrive',
    fromSource: values['from-source'] ?? false,
  };
};

const parse = (argv: readonly string[]) =>
  parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      flow: { type: 'string' },
      where: { type: 'string', multiple: true },
      to: { type: 'string' },
      'dry-run': { type: 'boolean' },
      remote: { type: 'boolean' },
      stack: { type: 'string' },
      ledger: { type: 'string' },
      'from-source': { type: 'boolean' },
    },
  });

/** True when the letter passes `--flow` and every `--where`. */
export const selects = (args: Pick<RedriveArgs, 'flow' | 'where'>, letter: Letter): boolean => {
  if (args.flow !== undefined && letter.flow !== args.flow) return false;
  return args.where.every((c) => {
    const actual =
      c.field === 'stage' ? letter.stage : c.field === 'class' ? letter.errorClass : letter.reason;
    return c.op === '=' ? actual === c.value : actual.includes(c.value);
  });
};
