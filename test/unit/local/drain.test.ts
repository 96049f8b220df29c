import { describe, expect, it } from 'vitest';
import { partitionLag } from '../../../local/runner/drain.ts';

describe("a partition's lag, as the drain waits on it", () => {
  it('counts the records between the group’s commit and the end', () => {
    expect(partitionLag({ low: '0', high: '120' }, 100)).toBe(20);
  });

  it('does not count records deleted below the log start, whatever the group committed before them', () => {
    // Prepare: records deleted up to 140,000 (retention, or a test's deleteRecords); the group committed 1,000
    // Act / Assess: only what the topic still holds after the commit is behind
    expect(partitionLag({ low: '140000', high: '140010' }, 1_000)).toBe(10);
  });

  it('counts from the log start for a partition the group has never committed on', () => {
    expect(partitionLag({ low: '140000', high: '140000' })).toBe(0);
    expect(partitionLag({ low: '5', high: '7' }, -1)).toBe(2);
  });
});
