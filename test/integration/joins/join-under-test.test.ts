import { describe, expect, it } from 'vitest';
import type { Delivery, InputRecord, JoinSpec } from '../../support/stateful/contract.ts';
import { joinUnderTest } from '../../support/stateful/join-under-test.ts';

const record = (
  side: 'left' | 'right',
  offset: number,
  key: string,
  timestamp: number,
  id: string,
): InputRecord => ({
  side,
  partition: 0,
  offset,
  key,
  timestamp,
  value: offset,
  id,
});

// A window of 10 ms each way and 5 ms grace: a record is kept until stream time reaches its time + 25.
const spec = (type: JoinSpec['type']): JoinSpec => ({
  kind: 'join',
  type,
  beforeMs: 10,
  afterMs: 10,
  graceMs: 5,
  partitions: 1,
});

const L1 = record('left', 0, 'a', 100, 'L1');
const R1 = record('right', 0, 'a', 105, 'R1');
const L2 = record('left', 1, 'b', 110, 'L2');
const R2 = record('right', 1, 'a', 140, 'R2');
const L3 = record('left', 2, 'a', 50, 'L3');
const R3 = record('right', 2, 'c', 160, 'R3');

const one = (side: 'left' | 'right', records: InputRecord[], failAfterState = false): Delivery => ({
  side,
  partition: 0,
  records,
  ...(failAfterState ? { failAfterState } : {}),
});

/**
 * By hand: L1–R1 pair (5 ms apart), R1's first delivery fails after its state writes and comes again; L2 finds
 * nobody and its window (110 + 10) closes at 125 + grace, passed when R2 at 140 arrives; R2 finds nobody (L1 is
 * 40 ms away) and its window closes at 140 + 10 + 5 = 155, passed when R3 at 160 arrives; L3 at 50 is 60 ms
 * behind the left side's time (110), past retention (25): late, not kept; unmatched, with its window long over,
 * a left or outer join emits it alone at once, as Kafka Streams does; R3's window is still open at the end.
 */
const deliveries = [
  one('left', [L1]),
  one('right', [R1], true),
  one('right', [R1]),
  one('left', [L2]),
  one('right', [R2]),
  one('left', [L3]),
  one('right', [R3]),
];

const sorted = <T>(xs: readonly T[]) =>
  [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe("Sluice's join under test (for the oracle's property test), on a sequence answered by hand", () => {
  it('inner: the one pair, once, and the late record', async () => {
    // Act
    const answer = await joinUnderTest()(spec('inner'), deliveries);
    // Assess
    expect(answer.pairs).toEqual([{ key: 'a', left: 'L1', right: 'R1' }]);
    expect(answer.late).toEqual(['L3']);
  });

  it('left: also the unmatched left records, once their window closed', async () => {
    // Act
    const answer = await joinUnderTest()(spec('left'), deliveries);
    // Assess
    expect(sorted(answer.pairs)).toEqual(
      sorted([
        { key: 'a', left: 'L1', right: 'R1' },
        { key: 'b', left: 'L2', right: null },
        { key: 'a', left: 'L3', right: null },
      ]),
    );
    expect(answer.late).toEqual(['L3']);
  });

  it('outer: also the unmatched right record whose window closed, not the one still open', async () => {
    // Act
    const answer = await joinUnderTest()(spec('outer'), deliveries);
    // Assess
    expect(sorted(answer.pairs)).toEqual(
      sorted([
        { key: 'a', left: 'L1', right: 'R1' },
        { key: 'b', left: 'L2', right: null },
        { key: 'a', left: 'L3', right: null },
        { key: 'a', left: null, right: 'R2' },
      ]),
    );
    expect(answer.late).toEqual(['L3']);
  });

  it('gives the same answer when every delivery comes twice, the first time failing after its state writes', async () => {
    // Prepare
    const twice = deliveries.flatMap((d) => [
      { ...d, failAfterState: true },
      { ...d, failAfterState: false },
    ]);
    // Act
    const answer = await joinUnderTest()(spec('outer'), twice);
    // Assess
    expect(sorted(answer.pairs)).toEqual(sorted((await joinUnderTest()(spec('outer'), deliveries)).pairs));
    expect(answer.late).toEqual(['L3']);
  });
});
