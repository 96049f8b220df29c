import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadTopologyModule } from '../../cdk/topology-module.ts';
import { alertsNotifications } from '../../functions/resources.ts';
import { localKafka } from '../kafka-client.ts';
import { readSampleRecords } from '../samples/records.ts';
import { up } from '../services/manager.ts';
import { projectRoot } from '../services/paths.ts';
import { type LocalState, readState } from '../services/state.ts';
import { waitUntilDrained } from './drain.ts';
import {
  expectationsFor,
  orderExpectationsFor,
  ordersInLake,
  productHoursFor,
  sampleFiles,
} from './expectations.ts';
import { type FlowSummary, logOffsets, readSummaries } from './function-logs.ts';
import { drainQueue, inboxOf, notificationsFor } from './messaging.ts';
import { invokeEndpointFile, LocalPipeline } from './pipeline.ts';
import { expectedFacts, martRows, matchingFacts, provisionPostgres } from './postgres.ts';
import {
  partitionEnds,
  productStats,
  productStatsChecks,
  readValuesSince,
  tableHours,
} from './product-stats.ts';
import { emptyStateTables, provision } from './provision.ts';
import { publish } from './publish.ts';
import { localGlue, registerTopicSchemas, topicEncoder } from './registry.ts';
import { type Check, checkTable, flowTable } from './report.ts';
import { verifiedBefore, verifiedPairsFor, verifiedReviewsChecks } from './verified-reviews.ts';
import {
  indexCount,
  lakeCopiesOf,
  lakeKeys,
  readLake,
  readLakeRows,
  tableCount,
  topicEnds,
} from './verify.ts';

const say = (line: string) => console.log(line);

/** alerts-notify's SNS topic, read through the inbox queue subscribed to it: one notification per alert. */
const alertNotificationChecks = async (
  state: LocalState,
  alertIds: ReadonlySet<string>,
): Promise<Check[]> => {
  const received = notificationsFor(await drainQueue(state, inboxOf(alertsNotifications)), alertIds);
  return [
    {
      what: `SNS ${alertsNotifications}: notifications of the alerts`,
      expected: alertIds.size,
      actual: received.matched,
    },
    { what: 'SNS: notifications of no alert, or repeated', expected: 0, actual: received.unexpected },
  ];
};
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

/** One progress line: how far behind each flow is. Rewritten in place on a terminal. */
const progress = (names: readonly string[]) => {
  let last = 0;
  return (lags: number[]) => {
    const line = names.map((n, i) => `${n} ${lags[i] ? `${lags[i]} behind` : 'drained'}`).join(' · ');
    if (process.stdout.isTTY) process.stdout.write(`\r\x1b[2K  ${line}`);
    else if (Date.now() - last > 2000) {
      say(`  ${line}`);
      last = Date.now();
    }
  };
};

export interface StartOptions {
  readonly follow: boolean;
  /** Drain what the topics already hold without publishing the samples (after an interrupted run). */
  readonly resume: boolean;
  readonly timeoutMs: number;
}

/**
 * `npm start`: the reference topology on the local servers, end to end, on the sample events; then a report
 * and a check of every output against what the samples must produce. Resolves to the process exit code.
 * With `SLUICE_TOPOLOGY` naming another topology module, it runs that one on the samples beside it
 * (`events/records/<topic>.jsonl`, `events/seeds/<table>.json`) and reports what each output received, unjudged.
 */
export const runLocalPipeline = async (options: StartOptions): Promise<number> => {
  const started = Date.now();
  // Before any server starts: a wrong SLUICE_TOPOLOGY is a ConfigError naming it.
  const { topology, functionsDir, eventsDir, reference } = await loadTopologyModule();
  say('servers:');
  for (const s of await up())
    say(
      `  ${s.name.padEnd(11)} ${s.state.endpoint}${s.reused ? ' (already running)' : ` (ready in ${(s.state.readyMs / 1000).toFixed(1)}s)`}`,
    );
  const state = readState();
  const kafka = localKafka('sluice-runner');
  const provisioned = await provision(topology, state, kafka, eventsDir);
  const martTables = await provisionPostgres(topology, state, join(functionsDir, 'sql'));
  say(
    `provisioned ${provisioned.topics} topics, ${provisioned.tables} tables, bucket ${topology.bucket?.name}; seeded ${Object.entries(
      provisioned.seeded,
    )
      .map(([t, n]) => `${t} (${n})`)
      .join(', ')}${martTables.length > 0 ? `; PostgreSQL tables ${martTables.join(', ')}` : ''}`,
  );
  // The registry topics' declared schemas, as their producers would register them (a second start reuses them).
  const glue = localGlue(state);
  const schemas = await registerTopicSchemas(topology.topics, glue).finally(() => glue.destroy());
  for (const r of schemas)
    say(
      `schema ${r.schemaName} in Glue registry ${r.registry} (moto): ${r.created ? 'registered' : 'already registered'}, version ${r.versionId}`,
    );

  if (provisioned.messaging > 0)
    say(
      `provisioned ${provisioned.messaging} SQS/SNS/EventBridge targets on moto (each topic and bus with an inbox queue)`,
    );

  if (!options.resume) {
    const emptied = await emptyStateTables(topology, state);
    if (emptied > 0)
      say(`emptied the state tables of an earlier run (${emptied} items): windows start afresh`);
  }

  const pipeline = new LocalPipeline(topology, state, kafka, functionsDir);
  await pipeline.buildFunctions();
  say(
    `bundled ${pipeline.functions.size} functions: ${[...pipeline.functions.values()].map((f) => `${f.name} ${(f.bundleBytes / 1024).toFixed(0)} KiB`).join(', ')}`,
  );
  const invokeEndpoint = await pipeline.serveInvokeApi();
  writeFileSync(invokeEndpointFile, invokeEndpoint);
  say(
    `Lambda Invoke API for every flow at ${invokeEndpoint} (aws lambda invoke --endpoint-url ${invokeEndpoint} --function-name <flow> ...)`,
  );

  const admin = kafka.admin();
  await admin.connect();
  const topicNames = topology.topics.map((t) => t.name);
  const before = await topicEnds(admin, topicNames);
  const statsBefore = reference ? await partitionEnds(admin, productStats.topic) : new Map<number, number>();
  const verifiedSince = reference ? await verifiedBefore(admin) : new Map<number, number>();
  const lakeBefore = topology.bucket ? await lakeKeys(state, topology.bucket.name, '') : new Set<string>();
  const logMarks = new Map([...pipeline.functions.values()].map((f) => [f.name, f.pool.spec.logFile]));
  const logsFrom = logOffsets(logMarks);

  const flowNames = topology.flows.map((f) => f.name);
  await pipeline.startMappings(flowNames);
  const customers = reference ? readSampleRecords(sampleFiles.customers) : [];
  const reviews = reference ? readSampleRecords(sampleFiles.reviews) : [];
  const orders = reference ? readSampleRecords(sampleFiles.orders) : [];
  // Values of registry topics are written in the topic's declared schema, framed for its registry.
  const publishTo = async (topic: string, records: ReturnType<typeof readSampleRecords>) => {
    const ref = topology.topic(topic);
    const glue = localGlue(state);
    try {
      const encode = ref ? await topicEncoder(ref, glue) : undefined;
      await publish(kafka, topic, records, encode);
    } finally {
      glue.destroy();
    }
  };
  if (options.resume) {
    say('--resume: draining what the topics hold, publishing nothing');
  } else if (!reference) {
    // Another topology's samples, topic by topic in declaration order, each drained before the next.
    for (const topic of topology.topics) {
      const file = join(eventsDir, 'records', `${topic.name}.jsonl`);
      if (!existsSync(file)) continue;
      const records = readSampleRecords(file);
      await publishTo(topic.name, records);
      say(`published ${records.length} records to ${topic.name} (${relative(projectRoot, file)})`);
      await waitUntilDrained(admin, pipeline.mappings, {
        timeoutMs: options.timeoutMs,
        onTick: progress(flowNames),
      });
    }
  } else {
    // Reference data first, as a deployment would have it before the first review arrives.
    await publish(kafka, 'customers.cdc', customers);
    say(`published ${customers.length} customer changes to customers.cdc`);
    await waitUntilDrained(admin, pipeline.mappings, {
      timeoutMs: options.timeoutMs,
      onTick: progress(flowNames),
    });
    // In waves (SampleRecord.wave), each drained before the next, as time passing would have them arrive: the
    // next hour's reviews only after this hour's, so which windows they close does not depend on batch order.
    const waves = [...new Set(reviews.map((r) => r.wave ?? 0))].sort((a, b) => a - b);
    for (const [i, wave] of waves.entries()) {
      if (i > 0)
        await waitUntilDrained(admin, pipeline.mappings, {
          timeoutMs: options.timeoutMs,
          onTick: progress(flowNames),
        });
      const records = reviews.filter((r) => (r.wave ?? 0) === wave);
      await publish(kafka, 'reviews.raw', records);
      say(
        `${process.stdout.isTTY ? '\n' : ''}published ${records.length} reviews to reviews.raw${wave === 0 ? ' (including bad records of every kind)' : wave === 1 ? ' (the next hour: every product)' : ' (a late one)'}`,
      );
    }
    await publishTo('orders', orders);
    say(`published ${orders.length} orders to orders (Avro, Glue framing; including bad records)`);
  }
  const publishedAt = Date.now();
  await waitUntilDrained(admin, pipeline.mappings, {
    timeoutMs: options.timeoutMs,
    onTick: progress(flowNames),
  });
  say(`${process.stdout.isTTY ? '\n' : ''}all flows drained ${seconds(publishedAt)} after publishing`);

  const after = await topicEnds(admin, topicNames);
  const delta = (topic: string) => (after.get(topic) ?? 0) - (before.get(topic) ?? 0);
  const summaries: Map<string, FlowSummary> = readSummaries(logMarks, logsFrom);
  const expected = expectationsFor(reviews, customers);
  const lake = topology.bucket
    ? await readLake(state, topology.bucket.name, reference ? 'reviews/' : '', lakeBefore)
    : undefined;
  const lakeSample = lake ? lakeCopiesOf(lake, expected.enrichedReviewIds) : { found: 0, lines: 0 };
  const expectedOrders = orderExpectationsFor(orders);
  const orderRows =
    reference && topology.bucket
      ? ordersInLake(
          (await readLakeRows(state, topology.bucket.name, 'orders/', lakeBefore)).rows,
          expectedOrders,
        )
      : { equal: 0, rows: 0 };
  // Another topology has no expectations: what each topic and the lake received is shown as observed.
  const observed: Check[] = [
    ...topicNames.map((t) => ({ what: `${t}: records added`, expected: 0, actual: delta(t) })),
    ...(lake
      ? [{ what: `S3 ${topology.bucket?.name}: new objects`, expected: 0, actual: lake.keys.length }]
      : []),
  ];
  const checks: Check[] = !reference
    ? observed
    : [
        {
          what: 'reviews.clean: records (valid reviews)',
          expected: expected.clean,
          actual: delta('reviews.clean'),
        },
        {
          what: 'reviews.enriched: records (joined with a product)',
          expected: expected.enriched,
          actual: delta('reviews.enriched'),
        },
        {
          what: 'reviews.alerts: low ratings from gold customers',
          expected: expected.alerts,
          actual: delta('reviews.alerts'),
        },
        {
          what: 'reviews.dlq: bad reviews with their reasons',
          expected: expected.reviewDeadLetters,
          actual: delta('reviews.dlq'),
        },
        {
          what: 'customers table: items after the change stream',
          expected: expected.customersInTable,
          actual: await tableCount(state, 'customers'),
        },
        {
          what: 'S3 lake: sample reviews in new objects',
          expected: expected.enriched,
          actual: lakeSample.found,
        },
        {
          what: 'S3 lake: their lines (a duplicate would add one)',
          expected: expected.enriched,
          actual: lakeSample.lines,
        },
        {
          what: 'OpenSearch reviews index: sample review documents',
          expected: expected.enriched,
          actual: await indexCount(state, 'reviews', expected.enrichedReviewIds),
        },
        { what: 'sinks.dlq: records the stores rejected', expected: 0, actual: delta('sinks.dlq') },
        {
          what: 'orders.dlq: bad orders with their reasons',
          expected: expectedOrders.deadLetters,
          actual: delta('orders.dlq'),
        },
        {
          what: 'S3 lake: sample orders read back equal (Parquet)',
          expected: expectedOrders.byId.size,
          actual: orderRows.equal,
        },
        {
          what: 'S3 lake: their rows (a duplicate would add one)',
          expected: expectedOrders.byId.size,
          actual: orderRows.rows,
        },
        ...(await alertNotificationChecks(state, expected.alertReviewIds)),
        ...productStatsChecks(
          productHoursFor(reviews),
          await readValuesSince(kafka, admin, productStats.topic, statsBefore),
          await tableHours(state),
          expected.lateReviews,
          delta('ratings.dlq'),
        ),
        ...(await verifiedReviewsChecks(
          kafka,
          admin,
          verifiedSince,
          verifiedPairsFor(reviews, orders, expected.enrichedReviewIds),
          expectedOrders.deadLetters,
          delta('verified.dlq'),
        )),
      ];
  if (reference) {
    // The reviews mart: one row per sample review, and a few rows compared column by column with the samples.
    const facts = expectedFacts(
      reviews,
      expected.enrichedReviewIds,
      expected.customerTiers,
      join(eventsDir, 'seeds', 'products.json'),
    );
    const mart = await martRows(state, expected.enrichedReviewIds);
    checks.push(
      {
        what: 'review_facts (PostgreSQL): sample review rows',
        expected: expected.enriched,
        actual: mart.count,
      },
      {
        what: 'review_facts (PostgreSQL): 5 rows as the samples say',
        expected: facts.length,
        actual: matchingFacts(facts, mart.rows),
      },
    );
  }
  const judged = reference && !options.resume;
  await admin.disconnect();

  say('\nflows (the event-source mappings):');
  say(flowTable(pipeline.mappings));
  say('\nflows (what the handlers reported, from their summary log lines):');
  for (const [name, s] of summaries) say(`  ${name.padEnd(16)} ${s.describe()}`);
  if (!judged) {
    // After an interrupted run the deltas are partial by design, and another topology's samples carry no
    // expectations: figures only, no ok/FAIL verdicts.
    say(
      `\noutputs, as observed (what this run added; not judged ${options.resume ? 'with --resume' : `for ${relative(projectRoot, functionsDir)}/`}):`,
    );
    for (const c of checks) say(`  ${c.what.padEnd(52)} ${String(c.actual).padStart(6)}`);
  } else {
    say('\noutputs checked against what the sample events must produce:');
    say(checkTable(checks));
  }
  say('\nwhere to look:');
  say(
    reference
      ? '  npm run tail -- reviews.enriched --limit 3      npm run tail -- reviews.alerts      npm run tail -- reviews.dlq\n  npm run tail -- orders --limit 3 (Avro, decoded with the registry)      npm run tail -- orders.dlq\n  npm run tail -- reviews.product-stats --limit 3      npm run query -- product-ratings p-016'
      : `  ${topicNames
          .filter((t) => delta(t) > 0 && !topology.flows.some((f) => f.source.topic.name === t))
          .map((t) => `npm run tail -- ${t}`)
          .join('      ')}`,
  );
  if (lake)
    say(
      `  S3 ${state.s3?.endpoint}/${topology.bucket?.name}/ : ${lake.keys.length} new objects, e.g. ${lake.keys[0] ?? '-'}`,
    );
  if (topology.index) say(`  OpenSearch ${state.opensearch?.endpoint}/${topology.index.name}/_search`);
  if (martTables.length > 0)
    say(`  PostgreSQL: psql ${state.postgres?.endpoint} -c 'SELECT * FROM ${martTables[0]} LIMIT 5'`);
  say(`  function logs: .local/logs/function-<flow>.log · server logs: .local/logs/<server>.log`);

  const failed = judged ? checks.filter((c) => c.actual !== c.expected) : [];
  if (options.follow) {
    say(
      `\n--follow: flows keep running on new events (npm run produce -- reviews.raw <file>); Ctrl-C to stop.`,
    );
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
  await pipeline.stop();
  if (failed.length > 0) {
    say(`\nFAILED: ${failed.map((c) => c.what).join('; ')}`);
    return 1;
  }
  say(
    !reference
      ? `\ndone: ${relative(projectRoot, functionsDir)}/ ran on its samples in ${seconds(started)} (servers left running: npm run servers -- down)`
      : options.resume
        ? `\ndone: drained what the topics held, in ${seconds(started)}; outputs not checked (npm start publishes the samples and checks them) (servers left running: npm run servers -- down)`
        : `\nok: the local pipeline produced exactly what the sample events call for, in ${seconds(started)} (servers left running: npm run servers -- down)`,
  );
  return 0;
};
