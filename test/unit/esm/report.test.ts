import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { MappingConfig } from '../../../local/esm/config.ts';
import { EventSourceMapping } from '../../../local/esm/mapping.ts';
import { flowTable } from '../../../local/runner/report.ts';

const config: MappingConfig = {
  functionName: 'enrich-reviews',
  topic: 'reviews.clean',
  consumerGroup: 'g',
  batchSize: 100,
  batchingWindowMs: 500,
  startingPosition: 'TRIM_HORIZON',
  maximumRetryAttempts: 10,
  maximumRecordAgeSeconds: Number.POSITIVE_INFINITY,
  splitBatchOnError: false,
  reportBatchItemFailures: false,
  timeoutMs: 1000,
};

/** A mapping that is never started (no broker): only its counters are read. */
const mappingWith = (stats: Partial<EventSourceMapping['stats']>): EventSourceMapping => {
  const mapping = new EventSourceMapping(config, {
    kafka: {} as Kafka,
    invoke: async () => ({ ok: true, payload: null }),
    sendToDestination: async () => undefined,
  });
  Object.assign(mapping.stats, stats);
  return mapping;
};

describe("npm start's flow table", () => {
  it("shows each mapping's counts under AWS's mapping metric names, its lag, and its non-zero error counts", () => {
    // Prepare
    const mapping = mappingWith({
      PolledEventCount: 120,
      FilteredOutEventCount: 20,
      InvokedEventCount: 130,
      FailedInvokeEventCount: 30,
      DroppedEventCount: 1,
      OnFailureDestinationDeliveredEventCount: 2,
      CommittedEventCount: 117,
      invocations: 4,
      retries: 1,
      CommitErrorCount: 3,
      committed: { 0: 117 },
      latest: { 0: 120 },
    });

    // Act
    const table = flowTable([mapping]).split('\n');

    // Assess
    expect(table[0]?.split(/\s{2,}/)).toEqual([
      'flow',
      'polled',
      'filtered out',
      'invoked',
      'failed',
      'dropped',
      'on-failure',
      'committed',
      'lag',
      'invocations',
      'retries',
    ]);
    expect(table[1]?.split(/\s+/)).toEqual([
      'enrich-reviews',
      '120',
      '20',
      '130',
      '30',
      '1',
      '2',
      '117',
      '3',
      '4',
      '1',
    ]);
    const text = table.join('\n');
    for (const name of [
      'PolledEventCount',
      'FilteredOutEventCount',
      'InvokedEventCount',
      'FailedInvokeEventCount',
      'DroppedEventCount',
      'OnFailureDestinationDeliveredEventCount',
      'CommittedEventCount',
      'SumOffsetLag',
    ])
      expect(text).toContain(name);
    expect(text).toContain('mapping errors: enrich-reviews CommitErrorCount 3');
  });

  it('says there were no mapping errors when every error count is zero', () => {
    expect(flowTable([mappingWith({})])).toContain('mapping errors: none');
  });
});
