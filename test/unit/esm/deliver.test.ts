import { describe, expect, it } from 'vitest';
import type { MappingConfig } from '../../../local/esm/config.ts';
import { effectiveRetries } from '../../../local/esm/config.ts';
import {
  type DeliveryPorts,
  deliverBatch,
  type FailureReason,
  type InvocationOutcome,
  newCounters,
} from '../../../local/esm/deliver.ts';
import type { FetchedRecord } from '../../../local/esm/event.ts';
import { fetched } from './records.ts';

const config = (overrides: Partial<MappingConfig> = {}): MappingConfig => ({
  functionName: 'f',
  topic: 'reviews.raw',
  consumerGroup: 'g',
  batchSize: 100,
  batchingWindowMs: 500,
  startingPosition: 'TRIM_HORIZON',
  maximumRetryAttempts: Number.POSITIVE_INFINITY,
  maximumRecordAgeSeconds: Number.POSITIVE_INFINITY,
  splitBatchOnError: false,
  reportBatchItemFailures: false,
  timeoutMs: 1000,
  ...overrides,
});

/** Ports that script the function's answers and record what the mapping did. */
const scripted = (
  answer: (records: readonly FetchedRecord[], call: number) => InvocationOutcome,
  nowMs = 0,
) => {
  const invoked: number[][] = [];
  const commits: number[] = [];
  const destination: { offsets: number[]; reason: FailureReason }[] = [];
  const ports: DeliveryPorts = {
    invoke: async (records) => {
      invoked.push(records.map((r) => r.offset));
      return answer(records, invoked.length);
    },
    commit: async (next) => {
      commits.push(next);
    },
    sendToDestination: async (records, reason) => {
      destination.push({ offsets: records.map((r) => r.offset), reason });
    },
    sleep: async () => undefined,
    nowMs: () => nowMs,
  };
  return { ports, invoked, commits, destination };
};

const toTopic = { onFailure: { kind: 'topic', topic: 'reviews.raw.failed' } } as const;

const success: InvocationOutcome = { ok: true, payload: null };
const failure: InvocationOutcome = { ok: false, errorType: 'Error', errorMessage: 'boom' };

describe('batch delivery by the event-source-mapping emulator', () => {
  it('commits after the last record only once the invocation succeeded', async () => {
    // Prepare
    const { ports, invoked, commits } = scripted(() => success);

    // Act
    await deliverBatch(fetched(5, 10), config(), ports, newCounters());

    // Assess
    expect(invoked).toEqual([[10, 11, 12, 13, 14]]);
    expect(commits).toEqual([15]);
  });

  it('retries a failed batch whole and commits nothing until it succeeds', async () => {
    // Prepare
    const { ports, invoked, commits } = scripted((_, call) => (call < 4 ? failure : success));
    const counters = newCounters();

    // Act
    await deliverBatch(fetched(3), config(), ports, counters);

    // Assess
    expect(invoked).toEqual([
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(commits).toEqual([3]);
    expect(counters.retries).toBe(3);
  });

  it('sends the batch to the on-failure destination after the retry attempts, then moves on', async () => {
    // Prepare
    const { ports, invoked, commits, destination } = scripted(() => failure);

    // Act
    await deliverBatch(fetched(2), config({ maximumRetryAttempts: 2, ...toTopic }), ports, newCounters());

    // Assess
    expect(invoked).toHaveLength(3);
    expect(destination).toEqual([
      {
        offsets: [0, 1],
        reason: {
          condition: 'RetryAttemptsExhausted',
          errorType: 'Error',
          errorMessage: 'boom',
          attempts: 3,
        },
      },
    ]);
    expect(commits).toEqual([2]);
  });

  it('retries forever by default, and 10 times when an on-failure destination is set', () => {
    expect(effectiveRetries(undefined, false)).toBe(Number.POSITIVE_INFINITY);
    expect(effectiveRetries(undefined, true)).toBe(10);
    expect(effectiveRetries(3, true)).toBe(3);
  });

  it('bisects a failing batch until the poison record is alone, delivering the rest', async () => {
    // Prepare: offset 5 always fails.
    const { ports, destination, commits } = scripted((records) =>
      records.some((r) => r.offset === 5) ? failure : success,
    );

    // Act
    await deliverBatch(
      fetched(8),
      config({ splitBatchOnError: true, maximumRetryAttempts: 1, ...toTopic }),
      ports,
      newCounters(),
    );

    // Assess
    expect(destination.map((d) => d.offsets)).toEqual([[5]]);
    expect(commits.at(-1)).toBe(8);
    expect([...commits].sort((a, b) => a - b)).toEqual(commits);
  });

  it('commits up to the offset a partial batch response reports and retries from it', async () => {
    // Prepare: the first call reports offset 3 of this partition as failed; the retry succeeds.
    const { ports, invoked, commits } = scripted((_, call) =>
      call === 1
        ? {
            ok: true,
            payload: { batchItemFailures: [{ itemIdentifier: { partition: 'reviews.raw-0', offset: 3 } }] },
          }
        : success,
    );

    // Act
    await deliverBatch(fetched(6), config({ reportBatchItemFailures: true }), ports, newCounters());

    // Assess
    expect(invoked).toEqual([
      [0, 1, 2, 3, 4, 5],
      [3, 4, 5],
    ]);
    expect(commits).toEqual([3, 6]);
  });

  it('treats a partial batch response naming a record not in the batch as a failure of the whole batch', async () => {
    // Prepare
    const { ports, invoked } = scripted((_, call) =>
      call === 1
        ? {
            ok: true,
            payload: { batchItemFailures: [{ itemIdentifier: { partition: 'other-0', offset: 1 } }] },
          }
        : success,
    );

    // Act
    await deliverBatch(fetched(3), config({ reportBatchItemFailures: true }), ports, newCounters());

    // Assess
    expect(invoked).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
  });

  it('ignores batchItemFailures when the mapping does not report them', async () => {
    // Prepare
    const { ports, invoked, commits } = scripted(() => ({
      ok: true,
      payload: { batchItemFailures: [{ itemIdentifier: { partition: 'reviews.raw-0', offset: 0 } }] },
    }));

    // Act
    await deliverBatch(fetched(2), config(), ports, newCounters());

    // Assess
    expect(invoked).toHaveLength(1);
    expect(commits).toEqual([2]);
  });

  it('gives up on records older than the maximum record age and sends them to the destination', async () => {
    // Prepare: records are from 1_700_000_000_000; "now" is one hour later; max age one minute.
    const { ports, destination, commits } = scripted(() => failure, 1_700_000_000_000 + 3_600_000);

    // Act
    await deliverBatch(fetched(2), config({ maximumRecordAgeSeconds: 60, ...toTopic }), ports, newCounters());

    // Assess
    expect(destination[0]?.reason.condition).toBe('RecordAgeExceeded');
    expect(destination[0]?.offsets).toEqual([0, 1]);
    expect(commits).toEqual([2]);
  });
});

describe("the emulator's counts, under AWS's event-source-mapping metric names", () => {
  it('counts every attempt of a retried batch as invoked, and the failed attempts as failed invokes, in records', async () => {
    // Prepare
    const { ports } = scripted((_, call) => (call < 4 ? failure : success));
    const counters = newCounters();

    // Act
    await deliverBatch(fetched(3), config(), ports, counters);

    // Assess
    expect(counters).toMatchObject({
      InvokedEventCount: 12,
      FailedInvokeEventCount: 9,
      DroppedEventCount: 0,
      OnFailureDestinationDeliveredEventCount: 0,
      InvokeErrorCount: 0,
      invocations: 4,
      retries: 3,
    });
  });

  it('drops what it gives up on when no on-failure destination is set, and moves on', async () => {
    // Prepare
    const { ports, destination, commits } = scripted(() => failure);
    const counters = newCounters();

    // Act
    await deliverBatch(fetched(2), config({ maximumRetryAttempts: 1 }), ports, counters);

    // Assess
    expect(destination).toEqual([]);
    expect(commits).toEqual([2]);
    expect(counters.DroppedEventCount).toBe(2);
    expect(counters.OnFailureDestinationDeliveredEventCount).toBe(0);
  });

  it('counts records as delivered to the on-failure destination once it took them, and expired ones too', async () => {
    // Prepare: one record past the maximum age, the other not; retries run out on the second.
    const now = 1_700_000_000_000 + 60_000;
    const { ports } = scripted(() => failure, now);
    const counters = newCounters();
    const records = [...fetched(1, 0, { timestamp: now - 120_000 }), ...fetched(1, 1, { timestamp: now })];

    // Act
    await deliverBatch(
      records,
      config({ maximumRetryAttempts: 0, maximumRecordAgeSeconds: 60, ...toTopic }),
      ports,
      counters,
    );

    // Assess
    expect(counters.OnFailureDestinationDeliveredEventCount).toBe(2);
    expect(counters.DroppedEventCount).toBe(0);
  });

  it('does not count records as delivered to the on-failure destination when sending them failed', async () => {
    // Prepare
    const { ports } = scripted(() => failure);
    ports.sendToDestination = async () => {
      throw new Error('broker down');
    };
    const counters = newCounters();

    // Act
    const delivery = deliverBatch(
      fetched(2),
      config({ maximumRetryAttempts: 0, ...toTopic }),
      ports,
      counters,
    );

    // Assess
    await expect(delivery).rejects.toThrow('broker down');
    expect(counters.OnFailureDestinationDeliveredEventCount).toBe(0);
  });

  it('counts every record of a response with batchItemFailures as a failed invoke', async () => {
    // Prepare
    const { ports } = scripted((_, call) =>
      call === 1
        ? {
            ok: true,
            payload: { batchItemFailures: [{ itemIdentifier: { partition: 'reviews.raw-0', offset: 4 } }] },
          }
        : success,
    );
    const counters = newCounters();

    // Act
    await deliverBatch(fetched(6), config({ reportBatchItemFailures: true }), ports, counters);

    // Assess
    expect(counters.FailedInvokeEventCount).toBe(6);
    expect(counters.InvokedEventCount).toBe(6 + 2);
  });

  it('counts a request Lambda refused before the code ran as an invoke error, not as invoked records', async () => {
    // Prepare
    const { ports } = scripted((_, call) =>
      call === 1
        ? { ok: false, invokeError: true, errorType: 'RequestEntityTooLargeException', errorMessage: 'big' }
        : success,
    );
    const counters = newCounters();

    // Act
    await deliverBatch(fetched(2), config(), ports, counters);

    // Assess
    expect(counters).toMatchObject({
      InvokeErrorCount: 1,
      FailedInvokeEventCount: 2,
      InvokedEventCount: 2,
      invocations: 1,
    });
  });
});
