import { readFileSync } from 'node:fs';
import type { Message } from 'kafkajs';
import type { SampleRecord } from './generate.ts';

/** Reads a JSON Lines file of sample records, naming the file and line of any that cannot be read. */
export const readSampleRecords = (file: string): SampleRecord[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, index) => {
      if (line.trim() === '') return [];
      try {
        const record = JSON.parse(line) as SampleRecord;
        if (typeof record !== 'object' || record === null || !('key' in record))
          throw new Error('needs a "key" field');
        return [record];
      } catch (error) {
        throw new Error(`${file}:${index + 1}: not a sample record: ${(error as Error).message}`);
      }
    });

/**
 * The Kafka message a sample record stands for: JSON value, raw text, exact bytes, or a tombstone. `encode` writes
 * a JSON value in the topic's format instead (a registry topic's framing).
 */
export const toMessage = (record: SampleRecord, encode?: (value: unknown) => Buffer): Message => ({
  key: record.key,
  value:
    record.text !== undefined
      ? record.text
      : record.base64 !== undefined
        ? Buffer.from(record.base64, 'base64')
        : record.value === null || record.value === undefined
          ? null
          : encode
            ? encode(record.value)
            : JSON.stringify(record.value),
  headers: Object.fromEntries(
    Object.entries(record.headers ?? {}).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : Buffer.from(v.base64, 'base64'),
    ]),
  ),
  ...(record.timestamp !== undefined ? { timestamp: String(record.timestamp) } : {}),
});
