/**
 * npm run bench -- e2e [records] [inputRate|half] [latencySeconds]: the reference topology end to end on this machine
 * (every server shares its 2 cores), after a warm-up that loads every flow's environments.
 *  1. processing path (recordsPerSec): N reviews wait in reviews.raw while cleanse-reviews' mapping is stopped
 *     (the sinks' mappings too, so that only the path measured runs); the mapping is started again and the clock
 *     runs from then until all N are in reviews.enriched: cleanse → reviews.clean → enrich, sustained, with
 *     neither the benchmark's producer nor the sinks competing for the cores;
 *  2. drain (drainRecordsPerSec): with every flow running, N more reviews are published at once and the clock
 *     runs until every mapping, lake and index included, has committed its topic to the end;
 *  3. latency (p50Ms, p99Ms): with every flow running, reviews are published at a fixed rate for a while;
 *     produce → arrival in reviews.enriched.
 * Then, in the same run: the CPU per record of each environment on the processing path by stage (V8 CPU profiles of
 * every environment cut to that phase, plus /proc's per-thread CPU), the same flows' CPU per record in this
 * process on the same reviews (bench/in-process.ts), the peak RSS of every environment against its configured
 * memory, and the two-hop floor with the functions' Kafka client (bench/e2e-floor.ts).
 * Writes bench/results/e2e.json.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import { topology } from '../functions/topology.ts';
import { localKafka } from '../local/kafka-client.ts';
import { waitUntilDrained } from '../local/runner/drain.ts';
import { sampleFiles } from '../local/runner/expectations.ts';
import { LocalPipeline } from '../local/runner/pipeline.ts';
import { provision } from '../local/runner/provision.ts';
import { publish } from '../local/runner/publish.ts';
import { readSampleRecords } from '../local/samples/records.ts';
import { up } from '../local/services/manager.ts';
import { localDir, projectRoot } from '../local/services/paths.ts';
import { readState } from '../local/services/state.ts';
import { cpuBetween, cpuByPart, type EnvironmentReading, environments } from './cpu.ts';
import { main as floorMain } from './e2e-floor.ts';
import { inProcessCpu } from './in-process.ts';
import { type Stage, stageSamples, stages } from './stages.ts';

const countries = ['GB', 'Germany', 'fr', 'United States', 'ES'];
const phones: Record<string, string> = {
  GB: '020 7946 0153',
  Germany: '030 90182077',
  fr: '01 42 68 5301',
  'United States': '(212) 555-0153',
  ES: '912 345 699',
};

/** A valid ~800-byte review, its createdAt the moment it is produced (the latency probe). */
const review = (i: number, now: number) => {
  const country = countries[i % countries.length] as string;
  return {
    reviewId: `bench-${now}-${i}`,
    customerId: `c-${String(i % 190).padStart(4, '0')}`,
    productId: `p-${String(i % 50).padStart(3, '0')}`,
    rating: 1 + (i % 5),
    title: 'Solid kettle, a little loud',
    text: 'Boils quickly and the handle stays cool. The lid hinge feels cheap and it is louder than my old one, but for the price it does the job. Delivery was quick and the packaging was fine. '.repeat(
      3,
    ),
    source: i % 2 === 0 ? 'app' : 'site',
    country,
    email: ` Customer${i % 190}@Example.com `,
    phone: phones[country],
    createdAt: now,
  };
};

const message = (i: number, now: number): Message => ({
  key: `bench-${i}`,
  value: JSON.stringify(review(i, now)),
});

const topicTotal = async (admin: Admin, topic: string) => {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
};

/** Resolves when `topic` holds `count` more records than `before`; polls its end offsets. */
const arrived = async (admin: Admin, topic: string, before: number, count: number): Promise<number> => {
  while ((await topicTotal(admin, topic)) - before < count)
    await new Promise((resolve) => setTimeout(resolve, 20));
  return performance.now();
};

/** Publishes `count` reviews in 1,000-record sends, four in flight: the broker, not the loop, sets the pace. */
const publishReviews = async (producer: Producer, count: number, now: number) => {
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 1000) {
    sends.push(
      producer.send({
        topic: 'reviews.raw',
        acks: -1,
        messages: Array.from({ length: Math.min(1000, count - i) }, (_, j) => message(i + j, now)),
      }),
    );
    if (sends.length >= 4) await sends.shift();
  }
  await Promise.all(sends);
};

const sinkFlows = ['lake-sink', 'search-sink'];
/**
 * The flows the benchmark runs: the review path (customers-table feeds enrich's lookups) and its two sinks. The
 * topology's other flows (marts, ratings, notifications) read reviews.enriched too, but they are not what these
 * figures are about, and on a 2-core machine they would take the cores the path is measured on.
 */
const benchFlows = ['customers-table', 'cleanse-reviews', 'enrich-reviews', ...sinkFlows];

/** Invocations and records delivered per flow since `before`: the batch sizes the mappings actually cut. */
const batchesSince = (
  pipeline: LocalPipeline,
  before: Map<string, { invocations: number; InvokedEventCount: number }>,
) =>
  Object.fromEntries(
    pipeline.mappings.map((m) => {
      const was = before.get(m.config.functionName) ?? { invocations: 0, InvokedEventCount: 0 };
      const invocations = m.stats.invocations - was.invocations;
      const delivered = m.stats.InvokedEventCount - was.InvokedEventCount;
      return [
        m.config.functionName,
        { invocations, meanBatch: Math.round(delivered / Math.max(1, invocations)) },
      ];
    }),
  );

const statsNow = (pipeline: LocalPipeline) =>
  new Map(pipeline.mappings.map((m) => [m.config.functionName, { ...m.stats }]));

const printCpu = (label: string, cpu: [string, number][], wallSeconds: number) => {
  const total = cpu.reduce((sum, [, s]) => sum + s, 0);
  console.log(
    `CPU seconds by part, ${label} (2 cores, ${wallSeconds.toFixed(1)}s wall = ${(wallSeconds * 2).toFixed(0)} core-seconds available, ${total.toFixed(1)} used):`,
  );
  for (const [part, s] of cpu)
    console.log(
      `  ${part.padEnd(28)} ${s.toFixed(1).padStart(6)} s  ${((100 * s) / total).toFixed(0).padStart(3)}%`,
    );
};

const processingFlows = ['cleanse-reviews', 'enrich-reviews'] as const;
const round1 = (n: number) => Math.round(n * 10) / 10;
const nowMicros = () => Number(process.hrtime.bigint() / 1000n);

/** CPU seconds by thread kind of every environment of `flow` between two readings; environments that came or went. */
const environmentCpu = (
  flow: string,
  before: Map<number, EnvironmentReading>,
  after: Map<number, EnvironmentReading>,
) => {
  const sum = { main: 0, threadPool: 0, v8Helper: 0, profiler: 0, other: 0, started: 0, exited: 0 };
  for (const [pid, a] of after) {
    if (a.flow !== flow) continue;
    const b = before.get(pid);
    if (!b) sum.started++;
    sum.main += a.mainSeconds - (b?.mainSeconds ?? 0);
    sum.threadPool += a.threadPoolSeconds - (b?.threadPoolSeconds ?? 0);
    sum.v8Helper += a.v8HelperSeconds - (b?.v8HelperSeconds ?? 0);
    sum.profiler += a.profilerSeconds - (b?.profilerSeconds ?? 0);
    sum.other += a.otherSeconds - (b?.otherSeconds ?? 0);
  }
  for (const [pid, b] of before) if (b.flow === flow && !after.has(pid)) sum.exited++;
  return sum;
};

/** Every profile an environment of `flow` wrote, cut to [from, to], as sample counts per stage. */
const profiledStages = (
  profileDir: string,
  flow: string,
  from: number,
  to: number,
): Record<Stage, number> => {
  const total = Object.fromEntries(stages.map((s) => [s, 0])) as Record<Stage, number>;
  const dir = join(profileDir, flow);
  if (!existsSync(dir)) return total;
  const bundle = join(localDir, 'bundles', flow, 'index.mjs');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const counts = stageSamples(join(dir, file), bundle, from, to);
    for (const s of stages) total[s] += counts[s];
  }
  return total;
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/**
 * Publishes reviews at `inputRate` for `seconds` (a slice every 20 ms, stamped with the time it is produced) and
 * measures produce → arrival in reviews.enriched for each of them.
 */
const measureLatency = async (kafka: Kafka, producer: Producer, inputRate: number, seconds: number) => {
  const latencies: number[] = [];
  const consumer = kafka.consumer({ groupId: `bench-latency-${Date.now()}`, maxWaitTimeInMs: 20 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'reviews.enriched', fromBeginning: false });
  const prefix = `bench-lat-${Date.now()}`;
  const probe = Buffer.from(`"reviewId":"${prefix}-`);
  const createdAtField = Buffer.from('"createdAt":"');
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const arrived = Date.now();
      // Found in the bytes, not by parsing 5,000 documents a second on the cores the pipeline needs.
      for (const m of batch.messages) {
        if (!m.value || m.value.indexOf(probe) < 0) continue;
        const at = m.value.indexOf(createdAtField) + createdAtField.length;
        latencies.push(arrived - Date.parse(m.value.toString('latin1', at, m.value.indexOf('"', at))));
      }
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const tickMs = 20;
  const perTick = Math.round((inputRate * tickMs) / 1000);
  const ticks = Math.round((seconds * 1000) / tickMs);
  const t0 = performance.now();
  let sent = 0;
  for (let tick = 0; tick < ticks; tick++) {
    const due = t0 + tick * tickMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const at = Date.now();
    const batch = Array.from({ length: perTick }, (_, j) => {
      const value = { ...review(sent + j, at), reviewId: `${prefix}-${sent + j}` };
      return { key: value.reviewId, value: JSON.stringify(value) };
    });
    sent += perTick;
    void producer.send({ topic: 'reviews.raw', acks: 1, messages: batch });
  }
  const achievedRate = sent / ((performance.now() - t0) / 1000);
  const deadline = Date.now() + 60_000;
  while (latencies.length < sent && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  // Records still missing after the wait count as slower than any that arrived (reported as null), not as absent.
  const samples = latencies.length;
  while (latencies.length < sent) latencies.push(Number.POSITIVE_INFINITY);
  latencies.sort((a, b) => a - b);
  await consumer.disconnect();
  return {
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    achievedRate,
    sent,
    samples,
  };
};

export const main = async (args: string[]) => {
  const records = Number(args[0] ?? 100_000);
  // `half`: half the processing path's capacity measured in phase 1 (the latency target's offered rate).
  const half = args[1] === 'half';
  let inputRate = half ? 0 : Number(args[1] ?? 5_000);
  const latencySeconds = Number(args[2] ?? 20);
  await up();
  const state = readState();
  const kafka = localKafka('sluice-bench');
  await provision(topology, state, kafka);
  const pipeline = new LocalPipeline(topology, state, kafka);
  await pipeline.buildFunctions();
  await pipeline.startMappings(benchFlows);
  const admin = kafka.admin();
  await admin.connect();
  await publish(kafka, 'customers.cdc', readSampleRecords(sampleFiles.customers));
  await waitUntilDrained(admin, pipeline.mappings, { timeoutMs: 120_000 });
  // Warm-up: every flow's environments loaded, caches filled, producers connected, and the hot code optimised:
  // 10,000 reviews, ~7 batches per environment (2,000 left one or two batches per environment, so optimising
  // compilers still ran in the measured phase).
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await publishReviews(producer, 10_000, Date.now());
  await waitUntilDrained(admin, pipeline.mappings, { timeoutMs: 120_000 });

  // 1. The processing path, from a backlog in reviews.raw.
  await pipeline.stopMappings(['cleanse-reviews', ...sinkFlows]);
  const enrichedBefore = await topicTotal(admin, 'reviews.enriched');
  await publishReviews(producer, records, Date.now());
  const pathCpuBefore = cpuByPart();
  const pathEnvBefore = environments();
  const pathStatsBefore = statsNow(pipeline);
  const started = performance.now();
  await pipeline.startMappings(['cleanse-reviews']);
  // Counted in: the mapping's consumer joining its group (printed, to show it is not what the figure measures).
  const joinSeconds = (performance.now() - started) / 1000;
  const enrichedAt = await arrived(admin, 'reviews.enriched', enrichedBefore, records);
  const pathCpu = cpuBetween(pathCpuBefore, cpuByPart());
  const pathEnvAfter = environments();
  const pathBatches = batchesSince(pipeline, pathStatsBefore);
  await waitUntilDrained(admin, pipeline.mappings, { timeoutMs: 600_000 });

  // 1b. The same path again on as many records, the processing flows' environments profiled: the split by stage.
  // Phase 1's CPU ran unprofiled (the profiler costs CPU of its own); only the shares come from here.
  const profileDir = mkdtempSync(join(tmpdir(), 'sluice-e2e-prof-'));
  await pipeline.stopMappings(['cleanse-reviews']);
  const enrichedBeforeProfiled = await topicTotal(admin, 'reviews.enriched');
  await publishReviews(producer, records, Date.now());
  const profiledEnvBefore = environments();
  for (const flow of processingFlows) await pipeline.functions.get(flow)?.pool.profile('start');
  const profiledFromMicros = nowMicros();
  await pipeline.startMappings(['cleanse-reviews']);
  await arrived(admin, 'reviews.enriched', enrichedBeforeProfiled, records);
  const profiledToMicros = nowMicros();
  const profiledEnvAfter = environments();
  for (const flow of processingFlows) {
    mkdirSync(join(profileDir, flow), { recursive: true });
    await pipeline.functions.get(flow)?.pool.profile('stop', join(profileDir, flow));
  }
  await waitUntilDrained(admin, pipeline.mappings, { timeoutMs: 600_000 });
  const recordsPerSec = records / ((enrichedAt - started) / 1000);
  console.log(
    `processing path: ${records} reviews from reviews.raw into reviews.enriched in ${((enrichedAt - started) / 1000).toFixed(1)}s (${recordsPerSec.toFixed(0)} records/s; the mapping's group join took ${joinSeconds.toFixed(2)}s of it); batches ${JSON.stringify(pathBatches)}`,
  );
  printCpu('processing path', pathCpu, (enrichedAt - started) / 1000);

  // 2. Drain: every flow running, N more reviews published at once.
  await pipeline.startMappings(sinkFlows);
  await waitUntilDrained(admin, pipeline.mappings, { timeoutMs: 600_000 });
  const cpuBefore = cpuByPart();
  const drainStatsBefore = statsNow(pipeline);
  const drainStarted = performance.now();
  await publishReviews(producer, records, Date.now());
  const published = performance.now();
  await waitUntilDrained(admin, pipeline.mappings, { timeoutMs: 600_000 });
  const drainedAt = performance.now();
  const cpu = cpuBetween(cpuBefore, cpuByPart());
  const drainSeconds = (drainedAt - drainStarted) / 1000;
  const drainRecordsPerSec = records / drainSeconds;
  console.log(
    `drain: ${records} reviews published in ${((published - drainStarted) / 1000).toFixed(1)}s; every flow drained after ${drainSeconds.toFixed(1)}s (${drainRecordsPerSec.toFixed(0)} records/s); batches ${JSON.stringify(batchesSince(pipeline, drainStatsBefore))}`,
  );
  printCpu(`while ${records} records went through every flow`, cpu, drainSeconds);

  // 3. Latency at the input rate: with every flow running (the headline), then with the sinks stopped (the
  // processing path alone, as on AWS, where the sinks and OpenSearch do not share the path's cores).
  if (half) inputRate = Math.round(recordsPerSec / 2);
  const latency = await measureLatency(kafka, producer, inputRate, latencySeconds);
  await waitUntilDrained(admin, pipeline.mappings, { timeoutMs: 600_000 });
  await pipeline.stopMappings(sinkFlows);
  const pathLatency = await measureLatency(kafka, producer, inputRate, latencySeconds);
  const { p50Ms, p99Ms, achievedRate, samples } = latency;
  console.log(
    `latency, every flow running: ${achievedRate.toFixed(0)} records/s offered for ${latencySeconds}s; ${samples}/${latency.sent} arrived; p50 ${p50Ms} ms, p99 ${p99Ms} ms`,
  );
  console.log(
    `latency, processing path alone (sinks stopped): ${pathLatency.achievedRate.toFixed(0)} records/s offered; ${pathLatency.samples}/${pathLatency.sent} arrived; p50 ${pathLatency.p50Ms} ms, p99 ${pathLatency.p99Ms} ms`,
  );

  await producer.disconnect();
  await admin.disconnect();
  const peak = environments();
  await pipeline.stop();

  // Memory: the most any environment of a flow was resident, over the whole run, against its configured size.
  const peakRssMbByFlow: Record<string, number> = {};
  for (const env of peak.values())
    peakRssMbByFlow[env.flow] = Math.max(peakRssMbByFlow[env.flow] ?? 0, Math.round(env.peakRssMb));
  const configuredMemoryMbByFlow = Object.fromEntries(
    topology.flows.filter((f) => benchFlows.includes(f.name)).map((f) => [f.name, f.memoryMb]),
  );

  // The processing path's CPU per record per environment, by stage: the JavaScript thread split by its profile;
  // the thread pool is the producer's gzip; V8's helper threads are concurrent GC and background compilation.
  const cpuMicrosPerRecordByStage: Record<string, Record<string, number>> = {};
  const environmentCpuMicrosPerRecord: Record<string, number> = {};
  for (const flow of processingFlows) {
    const cpu = environmentCpu(flow, pathEnvBefore, pathEnvAfter);
    if (cpu.started + cpu.exited > 0)
      console.log(
        `warning: ${flow}: ${cpu.started} environment(s) started and ${cpu.exited} exited during the processing path; an exited one's CPU is missing`,
      );
    const samples = profiledStages(profileDir, flow, profiledFromMicros, profiledToMicros);
    const profiled = environmentCpu(flow, profiledEnvBefore, profiledEnvAfter);
    const sampled = stages.reduce((sum, s) => sum + samples[s], 0);
    const perRecord = (seconds: number) => (seconds * 1e6) / records;
    const byStage: Record<string, number> = {};
    for (const s of stages) byStage[s] = round1((perRecord(cpu.main) * samples[s]) / Math.max(1, sampled));
    byStage.compression = round1((byStage.compression ?? 0) + perRecord(cpu.threadPool));
    byStage.gcMainThread = byStage.gc ?? 0;
    byStage.v8HelperThreads = round1(perRecord(cpu.v8Helper));
    byStage.gc = round1((byStage.gc ?? 0) + perRecord(cpu.v8Helper));
    byStage.otherThreads = round1(perRecord(cpu.other));
    // Not the function's: the profiler's own thread in the profiled pass, left out of every total.
    byStage.profilerThread = round1(perRecord(profiled.profiler));
    byStage.total = round1(perRecord(cpu.main + cpu.threadPool + cpu.v8Helper + cpu.other));
    // What the function would spend on AWS: the local host's IPC, log tail and START/END/REPORT lines are not
    // billed there (the Lambda runtime's own client runs outside the function's CPU share only in part, so this
    // leaves the event's JSON.parse in, which the runtime does in the function's process).
    byStage.function = round1(byStage.total - (byStage.hostPlumbing ?? 0));
    // The same pass profiled (1b), for the record: what attaching the profiler costs the environment.
    byStage.totalProfiled = round1(
      perRecord(profiled.main + profiled.threadPool + profiled.v8Helper + profiled.other),
    );
    byStage.profileSamples = sampled;
    cpuMicrosPerRecordByStage[flow] = byStage;
    environmentCpuMicrosPerRecord[flow] = byStage.function;
  }

  // The same flows in this process, on the same reviews (at most 20,000 of them: a figure per record).
  const sample = Math.min(records, 20_000);
  const now = Date.now();
  const inProcess = await inProcessCpu(
    Array.from({ length: sample }, (_, i) => ({ key: `bench-${i}`, value: JSON.stringify(review(i, now)) })),
    {
      'cleanse-reviews': configuredMemoryMbByFlow['cleanse-reviews'] ?? 512,
      'enrich-reviews': configuredMemoryMbByFlow['enrich-reviews'] ?? 512,
    },
  );
  const functionToInProcessCpuRatio = Object.fromEntries(
    processingFlows.map((f) => [
      f,
      Math.round(((environmentCpuMicrosPerRecord[f] ?? 0) / inProcess[f]) * 100) / 100,
    ]),
  );
  console.log(
    `CPU µs per record, environment vs in process: ${processingFlows.map((f) => `${f} ${environmentCpuMicrosPerRecord[f]} vs ${round1(inProcess[f])} (${functionToInProcessCpuRatio[f]}×)`).join('; ')}`,
  );
  for (const flow of processingFlows)
    console.log(`  ${flow} by stage (µs/record): ${JSON.stringify(cpuMicrosPerRecordByStage[flow])}`);
  console.log(
    `peak RSS MiB by flow ${JSON.stringify(peakRssMbByFlow)}; configured ${JSON.stringify(configuredMemoryMbByFlow)}`,
  );

  // The two-hop floor with the client the functions use, on as many records, in this run.
  await floorMain([String(records), 'gzip']);
  const floor = JSON.parse(
    readFileSync(join(projectRoot, 'bench', 'results', 'e2e-floor-gzip.json'), 'utf8'),
  ) as {
    recordsPerSec: number;
  };
  const floorRecordsPerSec = floor.recordsPerSec;
  console.log(
    `processing path ${Math.round(recordsPerSec)} records/s = ${(recordsPerSec / floorRecordsPerSec).toFixed(2)}× the floor (${floorRecordsPerSec} records/s)`,
  );

  const result = {
    method:
      'recordsPerSec: backlog of N in reviews.raw, cleanse mapping started, until N in reviews.enriched (sinks stopped); drainRecordsPerSec: N published with every flow running, until every mapping drained; p50Ms/p99Ms: produce on reviews.raw to arrival on reviews.enriched at inputRate with every flow running; processingPathLatency: the same with the sinks stopped',
    recordsPerSec: Math.round(recordsPerSec),
    drainRecordsPerSec: Math.round(drainRecordsPerSec),
    p50Ms,
    p99Ms,
    inputRate: Math.round(achievedRate),
    records,
    cpuSecondsByPartProcessingPath: Object.fromEntries(pathCpu),
    cpuSecondsByPartDrain: Object.fromEntries(cpu),
    latencySamples: samples,
    processingPathLatency: {
      p50Ms: pathLatency.p50Ms,
      p99Ms: pathLatency.p99Ms,
      inputRate: Math.round(pathLatency.achievedRate),
      samples: pathLatency.samples,
    },
    cpuMicrosPerRecordByStage,
    inProcessCpuMicrosPerRecord: Object.fromEntries(processingFlows.map((f) => [f, round1(inProcess[f])])),
    functionToInProcessCpuRatio,
    floorRecordsPerSec,
    pathToFloorRatio: Math.round((recordsPerSec / floorRecordsPerSec) * 100) / 100,
    peakRssMbByFlow,
    configuredMemoryMbByFlow,
    stageNotes:
      'cpuMicrosPerRecordByStage: the processing path, per environment of the flow. Measured unprofiled (phase 1); the JavaScript thread is split in the shares a V8 CPU profile (1 ms sampling) of a second, profiled pass on as many records found (totalProfiled is the total of that pass); compression adds the libuv thread pool (kafkajs gzip runs there), gc adds V8 helper threads (concurrent and parallel GC, background compilation; gcMainThread and v8HelperThreads are its two parts); profilerThread is the profiler thread itself, not in total; hostPlumbing (IPC, the START/END/REPORT lines, the log tail) is what only the local host pays, and function = total - hostPlumbing is what functionToInProcessCpuRatio divides; eventParse is the JSON.parse of the event, which the Lambda runtime pays too',
    measuredAt: new Date().toISOString(),
    machine: '2 cores shared by Kafka, OpenSearch, dynalite, moto, the runner and every flow',
  };
  mkdirSync(join(projectRoot, 'bench', 'results'), { recursive: true });
  writeFileSync(join(projectRoot, 'bench', 'results', 'e2e.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result));
};
