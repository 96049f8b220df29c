import { describe, expect, it } from 'vitest';
import { planLakeObjects, timePartition } from '../../../shared/outputs/lake-objects.ts';
import { flowRecord, lakeOptions } from './records.ts';

const options = lakeOptions;

describe('lake keys from record times outside years 1970–9999', () => {
  it('dead-letter a record whose Kafka timestamp is -1 or Long.MAX, with the reason, and file the others', () => {
    // Prepare
    const good = flowRecord({ offset: 1, timestamp: Date.UTC(2025, 5, 6, 7) });
    const none = flowRecord({ offset: 2, timestamp: -1 });
    const longMax = flowRecord({ offset: 3, timestamp: Number(9_223_372_036_854_775_807n) }); // Long.MAX as JSON.parse reads it;
    // Act
    const { objects, deadLetters } = planLakeObjects([good, none, longMax], options);
    // Assess
    expect(objects.map((o) => o.key)).toEqual([
      'raw/topic=reviews/dt=2025-06-06/hour=07/reviews-0-00000000000000000001.json.gz',
    ]);
    expect(deadLetters.map((d) => [d.record.source.offset, d.stage, d.error.message])).toEqual([
      [
        2,
        'output',
        'record timestamp -1 is outside years 1970–9999 (Kafka writes -1 when a record has no timestamp)',
      ],
      [3, 'output', 'record timestamp 9223372036854776000 is outside years 1970–9999'],
    ]);
  });

  it('dead-letter a record whose declared time field is out of range, naming the field', () => {
    // Prepare
    const microseconds = flowRecord({ offset: 1, value: { at: 1_750_000_000_000_000 } });
    const beforeEpoch = flowRecord({ offset: 2, value: { at: '1969-12-31T23:00:00Z' } });
    // Act
    const { objects, deadLetters } = planLakeObjects([microseconds, beforeEpoch], {
      ...options,
      timeField: 'at',
    });
    // Assess
    expect(objects).toEqual([]);
    expect(deadLetters.map((d) => d.error.message)).toEqual([
      'time field "at" 1750000000000000 is outside years 1970–9999',
      'time field "at" -3600000 is outside years 1970–9999',
    ]);
  });

  it('keep the first and last instants of the range as four-digit years', () => {
    expect(timePartition(0)).toBe('dt=1970-01-01/hour=00');
    expect(timePartition(Date.UTC(9999, 11, 31, 23, 59, 59, 999))).toBe('dt=9999-12-31/hour=23');
    expect(() => timePartition(Date.UTC(10_000, 0, 1))).toThrow('outside years 1970–9999');
    expect(() => timePartition(Number.NaN)).toThrow('outside years 1970–9999');
  });
});
