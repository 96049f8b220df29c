/**
 * The Kafka Streams oracle (bench/kafka-streams, `dev.sluice.oracle.Oracle`, built by `npm run setup`) as a
 * long-lived child process: one JVM per test file answers many cases, one JSON line each way, in order.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { kafkaStreamsBuildIsCurrent, kafkaStreamsClasspath } from '../../../bench/kafka-streams/build.ts';
import type { AggregateAnswer, AggregateSpec, InputRecord, JoinAnswer, JoinSpec } from './contract.ts';

export interface KafkaStreamsOracle {
  aggregate(spec: AggregateSpec, records: readonly InputRecord[]): Promise<AggregateAnswer>;
  join(spec: JoinSpec, records: readonly InputRecord[]): Promise<JoinAnswer>;
  /** The JVM's process id (for its CPU time in the benchmark). */
  readonly pid: number | undefined;
  /** Ends the JVM (stdin closed; killed if it has not left after 5 s). */
  close(): Promise<void>;
}

interface Pending {
  readonly resolve: (line: string) => void;
  readonly reject: (error: Error) => void;
}

export const startOracle = (): KafkaStreamsOracle => {
  if (!kafkaStreamsBuildIsCurrent())
    throw new Error('the Kafka Streams oracle is not built or out of date: run `npm run setup`');
  // Serial GC and a small heap: one single-threaded driver at a time, on a machine shared with the servers. C1
  // only: a few hundred cases never repay C2's compilations (measured: 2.6 CPU s instead of 5.5 for 400 cases).
  const child: ChildProcessWithoutNullStreams = spawn(
    'java',
    [
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Xmx512m',
      '-cp',
      kafkaStreamsClasspath(),
      'dev.sluice.oracle.Oracle',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const pending: Pending[] = [];
  let stderr = '';
  let exited: Error | undefined;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  createInterface({ input: child.stdout }).on('line', (line) => pending.shift()?.resolve(line));
  const fail = (error: Error) => {
    exited ??= error;
    for (const p of pending.splice(0)) p.reject(exited);
  };
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      fail(new Error(`the Kafka Streams oracle exited (${code ?? signal}): ${stderr.trim()}`));
      resolve();
    });
    // No java on the PATH: 'error' without 'exit'.
    child.once('error', (error) => {
      fail(new Error(`the Kafka Streams oracle could not start: ${error.message}`));
      resolve();
    });
  });
  // A write after the JVM died fails with EPIPE; 'exit' above already says why.
  child.stdin.on('error', () => {});

  const ask = async <A>(spec: AggregateSpec | JoinSpec, records: readonly InputRecord[]): Promise<A> => {
    if (exited) throw exited;
    const line = await new Promise<string>((resolve, reject) => {
      pending.push({ resolve, reject });
      child.stdin.write(`${JSON.stringify({ spec, records })}\n`);
    });
    const answer = JSON.parse(line) as A | { error: string };
    if (typeof answer === 'object' && answer !== null && 'error' in answer)
      throw new Error(`the Kafka Streams oracle failed on ${JSON.stringify(spec)}: ${answer.error}`);
    return answer as A;
  };

  return {
    pid: child.pid,
    aggregate: (spec, records) => ask<AggregateAnswer>(spec, records),
    join: (spec, records) => ask<JoinAnswer>(spec, records),
    close: async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
};
