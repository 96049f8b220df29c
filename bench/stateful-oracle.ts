/**
 * `npm run bench -- stateful-oracle [cases]`: what the Kafka Streams oracle of the stateful property tests costs
 * (test/support/stateful/oracle.ts; dev.sluice.oracle in bench/kafka-streams, built by `npm run setup`): the time
 * from starting the JVM to its first answer, then cases per second and input records per second for the same
 * generated aggregation and join cases the property tests make (fixed seed, `cases` of each, default 500), one
 * JVM. Writes bench/results/stateful-oracle.json: jvmFirstAnswerMs, aggregateCasesPerSec, joinCasesPerSec,
 * aggregateRecordsPerSec, joinRecordsPerSec, jvmCpuSeconds (the JVM's CPU time over the whole run: on a shared
 * machine wall time says more about the neighbours).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { projectRoot } from '../local/services/paths.ts';
import { aggregateCase, joinCase, type StatefulCase } from '../test/support/stateful/generate.ts';
import { startOracle } from '../test/support/stateful/oracle.ts';

/** A process's user + system CPU seconds from /proc (Linux; clock ticks of 1/100 s), or null elsewhere. */
const cpuSeconds = (pid: number | undefined): number | null => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
};

export const main = async (args: string[]): Promise<void> => {
  const cases = Number(args[0] ?? 500);
  if (!Number.isInteger(cases) || cases <= 0)
    throw new Error('usage: npm run bench -- stateful-oracle [cases]');
  const aggregates = fc.sample(aggregateCase(), { numRuns: cases, seed: 14 });
  const joins = fc.sample(joinCase(), { numRuns: cases, seed: 14 });
  const started = performance.now();
  const oracle = startOracle();
  try {
    const first = aggregates[0] as StatefulCase<(typeof aggregates)[0]['spec']>;
    await oracle.aggregate(first.spec, first.records);
    const jvmFirstAnswerMs = Math.round(performance.now() - started);
    const rate = async <S>(all: StatefulCase<S>[], ask: (c: StatefulCase<S>) => Promise<unknown>) => {
      const t = performance.now();
      for (const c of all) await ask(c);
      const seconds = (performance.now() - t) / 1000;
      const records = all.reduce((n, c) => n + c.records.length, 0);
      return { casesPerSec: Math.round(all.length / seconds), recordsPerSec: Math.round(records / seconds) };
    };
    const aggregate = await rate(aggregates, (c) => oracle.aggregate(c.spec, c.records));
    const joined = await rate(joins, (c) => oracle.join(c.spec, c.records));
    const jvmCpuSeconds = cpuSeconds(oracle.pid);
    const report = {
      method: `${cases} aggregation and ${cases} join cases of test/support/stateful/generate.ts (seed 14), one after the other through one oracle JVM (java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx512m), one TopologyTestDriver per partition per case; the first answer includes the JVM start and Kafka Streams' class loading`,
      jvmFirstAnswerMs,
      aggregateCasesPerSec: aggregate.casesPerSec,
      joinCasesPerSec: joined.casesPerSec,
      aggregateRecordsPerSec: aggregate.recordsPerSec,
      joinRecordsPerSec: joined.recordsPerSec,
      jvmCpuSeconds,
      wallSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      measuredAt: new Date().toISOString(),
      machine: 'this machine, its cores shared with other work',
    };
    mkdirSync(join(projectRoot, 'bench', 'results'), { recursive: true });
    writeFileSync(
      join(projectRoot, 'bench', 'results', 'stateful-oracle.json'),
      `${JSON.stringify(report, null, 2)}\n`,
    );
    console.log(
      `Kafka Streams oracle: first answer ${jvmFirstAnswerMs} ms after the JVM starts; aggregation ${aggregate.casesPerSec} cases/s (${aggregate.recordsPerSec} records/s), joins ${joined.casesPerSec} cases/s (${joined.recordsPerSec} records/s); the JVM used ${jvmCpuSeconds} CPU s in all`,
    );
  } finally {
    await oracle.close();
  }
};
