import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ConfigError } from '../../../shared/errors.ts';
import { parseRedriveArgs, type RedriveArgs, USAGE } from './args.ts';
import { type Connections, kafkaClient, localConnections, remoteConnections } from './connect.ts';
import { deadLetterOf } from './dead-letters.ts';
import { folderObjects, s3Objects } from './failed-batch-objects.ts';
import { failedBatchLetters } from './failed-batches.ts';
import { withOriginalsFromSource } from './from-source.ts';
import { kafkaLedger } from './ledger.ts';
import type { Letter } from './letter.ts';
import { kafkaPublisher } from './publish.ts';
import { redrive } from './redrive.ts';
import { formatReport } from './report.ts';
import { scanTopic } from './topic-scan.ts';

/** Exit codes: 0 done, 1 failed, 2 bad arguments (with the usage line). */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** The topology's flow names, for `--flow` and for remote function names. */
  readonly flows: () => Promise<readonly string[]>;
  /** @default the local servers, or the deployed stacks with --remote */
  readonly connect?: (args: RedriveArgs, flows: readonly string[]) => Promise<Connections>;
}

const deployed = (args: RedriveArgs, flows: readonly string[]) =>
  remoteConnections(args.stack, {
    cloudformation: new CloudFormationClient({}),
    lambda: new LambdaClient({}),
    flows,
  });

const sourceName = (args: RedriveArgs): string =>
  args.from.kind === 'topic'
    ? args.from.topic
    : args.from.kind === 's3'
      ? `s3://${args.from.bucket}/${args.from.prefix}`
      : args.from.path;

const readLetters = async (args: RedriveArgs, connections: Connections): Promise<Letter[]> => {
  try {
    return await readAll(args, connections);
  } catch (error) {
    throw new Error(
      `reading ${sourceName(args)}: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
};

const readAll = async (args: RedriveArgs, connections: Connections): Promise<Letter[]> => {
  const letters: Letter[] = [];
  const from = args.from;
  if (from.kind === 'topic') {
    await scanTopic(kafkaClient(connections.kafka), from.topic, (m) => letters.push(deadLetterOf(m)));
    return letters;
  }
  const objects =
    from.kind === 's3' ? s3Objects(connections.s3(), from.bucket, from.prefix) : folderObjects(from.path);
  for await (const object of objects)
    letters.push(...failedBatchLetters(object.name, object.body, connections.flowOf));
  return letters;
};

/**
 * `npm run redrive -- <dead-letter topic | s3://bucket/prefix | folder> [options]`: publishes dead letters and
 * records of failed batches again, prints a table per reason, and returns the exit code.
 */
export const runRedrive = async (argv: readonly string[], io: CliIo): Promise<number> => {
  let args: RedriveArgs;
  let flows: readonly string[];
  try {
    args = parseRedriveArgs(argv);
    flows = await io.flows();
    if (args.flow !== undefined && !flows.includes(args.flow)) {
      throw new ConfigError(`--flow ${args.flow}`, `no such flow; flows: ${flows.join(', ')}`);
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`error: ${error.message}`);
    io.err(USAGE);
    return ExitCode.Usage;
  }
  try {
    const connections = await (io.connect ?? (args.remote ? deployed : localConnections))(args, flows);
    const kafka = kafkaClient(connections.kafka);
    const read = await readLetters(args, connections);
    const letters = args.fromSource ? await withOriginalsFromSource(kafka, read) : read;
    const publisher = kafkaPublisher(kafka);
    try {
      const report = await redrive(letters, args, { ledger: kafkaLedger(kafka, args.ledger), publisher });
      io.out(formatReport(report, sourceName(args)));
    } finally {
      await publisher.close();
    }
    return ExitCode.Ok;
  } catch (error) {
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return ExitCode.Failed;
  }
};
