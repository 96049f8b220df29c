/**
 * npm run bench -- kafka-streams [records=300000] [warmup=100000]: the Kafka Streams equivalent of cleanse-reviews
 * + enrich-reviews (bench/kafka-streams/, Java 17, kafka-streams 4.1.1 and libphonenumber from Maven Central) on
 * the local Kafka, one stream thread: records per CPU second of the JVM after a warm-up. The cost report sizes the
 * Kafka Streams alternative's Fargate tasks from it. Writes bench/results/kafka-streams.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { down, up } from '../local/services/manager.ts';
import { projectRoot } from '../local/services/paths.ts';
import { readState } from '../local/services/state.ts';

const project = join(projectRoot, 'bench', 'kafka-streams');

export interface KafkaStreamsResult {
  readonly records: number;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  readonly recordsPerCpuSecond: number;
  readonly recordsPerSec: number;
}

const run = (command: string, args: string[]): string => {
  const child = spawnSync(command, args, {
    cwd: project,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${child.status ?? child.signal}`);
  return child.stdout;
};

export const main = async (args: string[]): Promise<void> => {
  const records = Number(args[0] ?? 300_000);
  const warmup = Number(args[1] ?? 100_000);
  if (!Number.isInteger(records) || !Number.isInteger(warmup) || warmup <= 0 || warmup >= records)
    throw new Error('usage: npm run bench -- kafka-streams [records] [warmup < records]');
  run('mvn', ['-q', '-B', 'package', '-DskipTests']);
  const classpath = `target/classes:${readFileSync(join(project, 'target', 'classpath.txt'), 'utf8').trim()}`;
  const [kafka] = await up(['kafka']);
  try {
    const broker = readState().kafka?.endpoint;
    if (!broker) throw new Error('the local Kafka has no endpoint');
    const out = run('java', [
      '-Xmx512m',
      '-cp',
      classpath,
      'dev.sluice.bench.CleanseEnrich',
      broker,
      String(records),
      String(warmup),
    ]);
    const result = JSON.parse(out.trim().split('\n').pop() ?? '') as KafkaStreamsResult;
    const report = {
      method:
        'cleanse (validate, country → ISO, phone → E.164 masked, email, time → ISO UTC, title) + left join customers + inner join products (GlobalKTables) in one Kafka Streams app, 1 stream thread, at-least-once, ~800-byte reviews as bench/e2e.ts makes them; JVM CPU seconds (OperatingSystemMXBean) over the records after the warm-up',
      ...result,
      warmupRecords: warmup,
      java: spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0],
      measuredAt: new Date().toISOString(),
      machine: 'this machine, its cores shared with the local Kafka and other work',
    };
    mkdirSync(join(projectRoot, 'bench', 'results'), { recursive: true });
    writeFileSync(
      join(projectRoot, 'bench', 'results', 'kafka-streams.json'),
      `${JSON.stringify(report, null, 2)}\n`,
    );
    console.log(
      `Kafka Streams cleanse + enrich: ${result.recordsPerCpuSecond} records per CPU second (${result.records} records, ${result.cpuSeconds} CPU s, ${result.recordsPerSec} records/s wall)`,
    );
  } finally {
    if (kafka && !kafka.reused) await down(['kafka']);
  }
};
