import { KafkaSourceRecord } from '../../../shared/decode/source-record.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import type { StepContext } from '../../../shared/steps/step.ts';

/** A decoded record as the decoder would produce it, with matching source bytes. */
export const flowRecord = <V>(
  value: V,
  offset = 0,
  options: { topic?: string; partition?: number; key?: string | null } = {},
): FlowRecord<V> => {
  const key = options.key === undefined ? `k-${offset}` : options.key;
  const source = new KafkaSourceRecord(
    {
      topic: options.topic ?? 'reviews.raw',
      partition: options.partition ?? 0,
      offset,
      timestamp: 1_700_000_000_000 + offset,
      timestampType: 'CREATE_TIME',
      key: key === null ? null : Buffer.from(key),
      value: value === null ? null : Buffer.from(JSON.stringify(value)),
    },
    [{ trace: [...Buffer.from(`t-${offset}`)] }],
  );
  return { source, key, value, headers: { trace: `t-${offset}` } };
};

export interface RecordingMetrics {
  readonly counts: Map<string, number>;
  count(name: string, value: number): void;
}

export const recordingMetrics = (): RecordingMetrics => {
  const counts = new Map<string, number>();
  return { counts, count: (name, value) => counts.set(name, (counts.get(name) ?? 0) + value) };
};

export const stepContext = (overrides: Partial<StepContext> = {}): StepContext => ({
  flowName: 'test-flow',
  metrics: recordingMetrics(),
  ports: {},
  ...overrides,
});
