import { envelopeLine, type LakePlanOptions } from '../../../shared/outputs/lake-objects.ts';
import type { TablePlanOptions } from '../../../shared/outputs/table-items.ts';
import { createTableWriter } from '../../../shared/outputs/table-writer.ts';
import type { FlowRecord } from '../../../shared/record.ts';

/** A decoded record as the runtime hands it to outputs; the source bytes follow the decoded fields. */
export const flowRecord = (
  fields: {
    topic?: string;
    partition?: number;
    offset?: number;
    timestamp?: number;
    key?: string | null;
    value?: unknown;
    headers?: Record<string, string>;
  } = {},
): FlowRecord => {
  const key = fields.key === undefined ? `k-${fields.offset ?? 0}` : fields.key;
  const value = fields.value === undefined ? { n: fields.offset ?? 0 } : fields.value;
  const headers = fields.headers ?? {};
  return {
    source: {
      topic: fields.topic ?? 'reviews',
      partition: fields.partition ?? 0,
      offset: fields.offset ?? 0,
      timestamp: fields.timestamp ?? Date.UTC(2025, 0, 2, 3, 4, 5),
      timestampType: 'CREATE_TIME',
      key: key === null ? null : Buffer.from(key),
      value: value === null ? null : Buffer.from(JSON.stringify(value)),
      headers: Object.entries(headers).map(([k, v]) => ({ key: k, value: Buffer.from(v) })),
    },
    key,
    value,
    headers,
  };
};

export const offsets = (from: number, count: number, fields: Parameters<typeof flowRecord>[0] = {}) =>
  Array.from({ length: count }, (_, i) => flowRecord({ ...fields, offset: from + i }));

/** A clock whose sleeps advance time instantly. */
export const fakeClock = () => {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => 0.5,
  };
};

/** A lake plan as the lake tests use it: envelope lines under `raw/`, tombstones kept, 64 MiB objects. */
export const lakeOptions: LakePlanOptions = {
  name: 's3:lake',
  prefix: 'raw',
  maxObjectBytes: 64 * 1024 * 1024,
  line: envelopeLine,
  tombstones: 'keep',
};

/**
 * The customers table's writer over a faked DynamoDB client (`send` answers each command), with quick retries
 * within `budgetMs` and the fake clock.
 */
export const fakeTableWriter = (
  plan: TablePlanOptions,
  send: (command: unknown) => Promise<unknown>,
  budgetMs = 10_000,
) =>
  createTableWriter({
    ...plan,
    name: 'table:customers',
    table: 'customers',
    client: () => ({ send }) as never,
    concurrency: 4,
    retry: { baseMs: 50, maxDelayMs: 1000, budgetMs },
    clock: fakeClock(),
  });
