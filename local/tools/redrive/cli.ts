import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ConfigError } from '../../../shared/errors.ts';
import { failureDestinationOf } from '../../../shared/topology/on-failure.ts';
import type { Topology } from '../../../shared/topology/topology.ts';
import { parseRedriveArgs, type RedriveArgs, USAGE } from './args.ts';
import { type Connections, kafkaClient, localConnections, remoteConnections } from './connect.ts';
import { deadLetterOf } from './dead-letters.ts';
import { folderObjects, s3Objects } from './failed-batch-objects.ts';
import { failedBatchLetters, onFailureRecordLetters } from './failed-batches.ts';
import { withOriginalsFromSource } from './from-source.ts';
import { kafkaLedger } from './ledger.ts';
import type { Letter } from './letter.ts';
import { kafkaPublisher } from './publish.ts';
import { redrive } from './redrive.ts';
import { formatReport } from './report.ts';
import { scanTopic } from './topic-scan.ts';

/** Exit codes: 0 done, 1 failed, 2 bad arguments (with the usage line). */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

/** What the tool needs to know of a flow of the topology. */
export interface FlowInfo {
  readonly name: string;
  readonly sourceTopic: string;
  /** Its Kafka on-failure topic (provisioned mode), whose records go back to `sourceTopic`. */
  readonly onFailureTopic?: string;
}

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** The topology's flows, for `--flow`, for remote function names and for on-failure topics. */
  readonly flows: () => Promise<readonly FlowInfo[]>;
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

const readLetters = async (
  args: RedriveArgs,
  connections: Connections,
  flows: readonly FlowInfo[],
): Promise<Letter[]> => {
  try {
    return await readAll(args, connections, flows);
  } catch (error) {
    throw new Error(
      `reading ${sourceName(args)}: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
};

const readAll = async (
  args: RedriveArgs,
  connections: Connections,
  flows: readonly FlowInfo[],
): Promise<Letter[]> => {
  const letters: Letter[] = [];
  const from = args.from;
  if (from.kind === 'topic') {
    // A flow's Kafka on-failure topic holds its source records as they were: they go back to that source.
    const owner = flows.find((f) => f.onFailureTopic === from.topic);
    const onFailure = owner ? { flow: owner.name, defaultTopic: owner.sourceTopic } : {};
    await scanTopic(kafkaClient(connections.kafka), from.topic, (m) => {
      const letter = deadLetterOf(m);
      if (letter.source) {
        letters.push(letter);
        return;
      }
      // A Kafka on-failure destination's message: AWS's failure metadata with the record inside `payload`.
      const failed = onFailureRecordLetters(m, connections.flowOf);
      if (failed) letters.push(...failed.map((l) => ({ ...onFailure, ...l })));
      else letters.push({ ...onFailure, ...letter });
    });
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
  let flows: readonly FlowInfo[];
  try {
    args = parseRedriveArgs(argv);
    flows = await io.flows();
    const names = flows.map((f) => f.name);
    if (args.flow !== undefined && !names.includes(args.flow)) {
      throw new ConfigError(`--flow ${args.flow}`, `no such flow; flows: ${names.join(', ')}`);
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`error: ${error.message}`);
    io.err(USAGE);
    return ExitCode.Usage;
  }
  try {
    const names = flows.map((f) => f.name);
    const connections = await (io.connect ?? (args.remote ? deployed : localConnections))(args, names);
    const kafka = kafkaClient(connections.kafka);
    const read = await readLetters(args, connections, flows);
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

/** The topology's flows as the tool needs them, each with the Kafka on-failure topic its mapping resolves to. */
export const flowInfos = (topology: Pick<Topology, 'flows' | 'topic'>): FlowInfo[] =>
  topology.flows.map((flow) => {
    const destination = failureDestinationOf(flow, topology);
    return {
      name: flow.name,
      sourceTopic: flow.source.topic.name,
      ...(destination.kind === 'topic' ? { onFailureTopic: destination.topic } : {}),
    };
  });
