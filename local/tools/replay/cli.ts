import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../../shared/errors.ts';
import type { ReplayOutcome } from '../../runner/control.ts';
import { describePosition, parsePosition, positionToJson, type ReplayPosition } from './position.ts';
import { movesTable } from './report.ts';

export const USAGE =
  'usage: npm run replay -- <flow>... --from <earliest | latest | ISO time | offsets.json> [--remote] [--stack NAME]';

/** Exit codes: 0 done, 1 failed, 2 bad arguments (with the usage line). */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

export interface ReplayFlow {
  readonly name: string;
  readonly topic: string;
  readonly group: string;
}

export interface ReplayArgs {
  readonly flows: readonly string[];
  readonly position: ReplayPosition;
  /** Against the deployed stacks instead of the local servers. @default false */
  readonly remote: boolean;
  /** The stack whose outputs name the deployed flows. @default 'SluiceFlows' */
  readonly stack: string;
}

/** How one flow is replayed: through the running pipeline, on the local broker, or on AWS. */
export type Replayer = (flow: ReplayFlow, position: ReplayPosition) => Promise<ReplayOutcome>;

export interface ReplayIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly flows: () => Promise<readonly ReplayFlow[]>;
  /** Picks the replayer: the running pipeline's, the local broker's, or AWS's; says which. */
  readonly replayer: (args: ReplayArgs) => Promise<{ replay: Replayer; where: string; after?: string }>;
}

export const parseReplayArgs = (argv: readonly string[], readFile?: (path: string) => string): ReplayArgs => {
  const { values, positionals } = parse(argv);
  if (positionals.length === 0) throw new ConfigError('arguments', 'name at least one flow');
  if (values.from === undefined) throw new ConfigError('--from', 'required');
  const position = parsePosition(values.from, readFile);
  if (position.kind === 'offsets' && positionals.length > 1)
    throw new ConfigError(`--from ${values.from}`, 'an offsets file names the partitions of one flow');
  return {
    flows: positionals,
    position,
    remote: values.remote ?? false,
    stack: values.stack ?? 'SluiceFlows',
  };
};

/** node:util's parser; its complaints (an unknown option) become a ConfigError like every other mistake. */
const parse = (argv: readonly string[]) => {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { from: { type: 'string' }, remote: { type: 'boolean' }, stack: { type: 'string' } },
    });
  } catch (error) {
    throw new ConfigError('arguments', (error as Error).message);
  }
};

/** `npm run replay`: moves each named flow's consumer group and says what moved. Resolves to the exit code. */
export const runReplay = async (argv: readonly string[], io: ReplayIo): Promise<number> => {
  let args: ReplayArgs;
  let flows: ReplayFlow[];
  try {
    args = parseReplayArgs(argv);
    const known = await io.flows();
    flows = args.flows.map((name) => {
      const flow = known.find((f) => f.name === name);
      if (!flow) throw new ConfigError(name, `no such flow; flows: ${known.map((f) => f.name).join(', ')}`);
      return flow;
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`error: ${error.message}`);
    io.err(USAGE);
    return ExitCode.Usage;
  }
  const { replay, where, after } = await io.replayer(args);
  io.out(`replaying ${flows.map((f) => f.name).join(', ')} from ${describePosition(args.position)} ${where}`);
  for (const flow of flows) {
    try {
      const outcome = await replay(flow, args.position);
      io.out(movesTable(outcome.flow, outcome.topic, outcome.group, outcome.moves));
    } catch (error) {
      io.err(`${flow.name}: not replayed: ${(error as Error).message}`);
      return error instanceof ConfigError ? ExitCode.Usage : ExitCode.Failed;
    }
  }
  if (after) io.out(after);
  return ExitCode.Ok;
};

/** The running pipeline's control endpoint, when `npm start` is running and answers there. */
export const runningPipeline = async (endpointFile: string): Promise<string | undefined> => {
  if (!existsSync(endpointFile)) return undefined;
  const endpoint = readFileSync(endpointFile, 'utf8').trim();
  try {
    const response = await fetch(`${endpoint}/sluice/flows`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? endpoint : undefined;
  } catch {
    // Nothing listens there any more: the pipeline that wrote the file has ended.
    return undefined;
  }
};

/** Asks the running pipeline to replay a flow (stop its mapping, move the group, start it). */
export const pipelineReplayer =
  (endpoint: string): Replayer =>
  async (flow, position) => {
    const response = await fetch(`${endpoint}/sluice/replay/${encodeURIComponent(flow.name)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(positionToJson(position)),
    });
    const body = (await response.json()) as ReplayOutcome & { message?: string };
    if (response.status === 400) throw new ConfigError('--from', body.message ?? 'refused');
    if (!response.ok) throw new Error(body.message ?? `the pipeline answered ${response.status}`);
    return body;
  };
