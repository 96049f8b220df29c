import { describe, expect, it } from 'vitest';
import { avg, count, min, reduce } from '../../../shared/stateful/aggregate-reduce.ts';
import {
  isSessionClosed,
  liveSessions,
  placeRecord,
  type Session,
} from '../../../shared/stateful/session-plan.ts';

const times = { gapMs: 10, graceMs: 5 };
const counting = count();

describe('session windows: where a record goes', () => {
  it('opens [t, t] when no session of its key lies within the gap', () => {
    // Prepare
    const sessions: Session<number>[] = [{ start: 0, end: 4, acc: 2 }];
    // Act
    const placed = placeRecord(sessions, 15, 4, 15, times, counting, 1);
    // Assess
    expect(placed).toMatchObject({ kind: 'merged', session: { start: 15, end: 15, acc: 1 }, replaced: [] });
    expect(placed.kind === 'merged' && placed.sessions.map((s) => [s.start, s.end])).toEqual([
      [0, 4],
      [15, 15],
    ]);
  });

  it('merges every session it is within the gap of (both ends inclusive) into one, accumulators merged', () => {
    // Prepare: 100 is 10 after the first's end and 10 before the third's start.
    const sessions: Session<number>[] = [
      { start: 80, end: 90, acc: 3 },
      { start: 95, end: 96, acc: 1 },
      { start: 110, end: 120, acc: 4 },
      { start: 131, end: 131, acc: 1 },
    ];
    // Act
    const placed = placeRecord(sessions, 100, 131, 131, { gapMs: 10, graceMs: 100 }, counting, 1);
    // Assess
    expect(placed.kind === 'merged' && placed.sessions).toEqual([
      { start: 80, end: 120, acc: 9 },
      { start: 131, end: 131, acc: 1 },
    ]);
  });

  it('merges avg as sums and counts, min as the least, and a typed reduce with its merge from the initial value', () => {
    // Prepare
    const mean = avg('x');
    const least = min('x');
    const calls: string[] = [];
    const listed = reduce<unknown, string[]>({
      initial: [],
      add: (a, v) => [...a, String((v as { x: number }).x)],
      merge: (a, b) => {
        calls.push(`${a.join('+')}|${b.join('+')}`);
        return [...a, ...b];
      },
    });
    const two = [
      { start: 0, end: 0, acc: { sum: 4, count: 1 } },
      { start: 10, end: 10, acc: { sum: 2, count: 2 } },
    ];
    // Act
    const averaged = placeRecord(two, 5, 10, 10, times, mean, 6);
    const lowest = placeRecord(
      [
        { start: 0, end: 0, acc: 7 },
        { start: 10, end: 10, acc: null },
      ],
      5,
      10,
      10,
      times,
      least,
      9,
    );
    const joined = placeRecord(
      [
        { start: 10, end: 10, acc: ['b'] },
        { start: 0, end: 0, acc: ['a'] },
      ],
      5,
      10,
      10,
      times,
      listed,
      listed.input({ x: 3 }, undefined as never),
    );
    // Assess
    expect(averaged.kind === 'merged' && mean.result(averaged.session.acc)).toBe(3);
    expect(lowest.kind === 'merged' && lowest.session.acc).toBe(7);
    expect(joined.kind === 'merged' && joined.session.acc).toEqual(['a', 'b', '3']);
    expect(calls).toEqual(['|a', 'a|b']);
  });

  it('is late when the merged session would end before stream time less gap and grace, and not at exactly that', () => {
    // Prepare: stream time 100, close time 85.
    // Act
    const late = placeRecord([], 84, 100, 100, times, counting, 1);
    const atClose = placeRecord([], 85, 100, 100, times, counting, 1);
    const rescued = placeRecord([{ start: 86, end: 90, acc: 1 }], 80, 100, 100, times, counting, 1);
    // Assess
    expect(late).toEqual({ kind: 'late', end: 84 });
    expect(atClose).toMatchObject({ kind: 'merged', session: { start: 85, end: 85 } });
    expect(rescued).toMatchObject({ kind: 'merged', session: { start: 80, end: 90, acc: 2 } });
  });

  it('does not merge with a session closed at the stream time before the record', () => {
    // Prepare: [80, 85] closed at stream time 100 (85 ≤ 100 − 15).
    const sessions = [{ start: 80, end: 85, acc: 1 }];
    // Act
    const placed = placeRecord(sessions, 88, 100, 100, { gapMs: 10, graceMs: 5 }, counting, 1);
    // Assess: 88 alone ends after the close time: a new session, the closed one untouched.
    expect(placed.kind === 'merged' && placed.sessions).toEqual([
      { start: 80, end: 85, acc: 1 },
      { start: 88, end: 88, acc: 1 },
    ]);
  });

  it('leaves the sessions as they were when a typed reduce throws', () => {
    // Prepare
    const failing = reduce<unknown, number>({
      initial: 0,
      add: () => {
        throw new Error('no');
      },
      merge: (a, b) => a + b,
    });
    // Act
    const placed = placeRecord([{ start: 0, end: 0, acc: 1 }], 1, 0, 1, times, failing, 1);
    // Assess
    expect(placed.kind).toBe('failed');
  });

  it('closes a session at end ≤ stream time − gap − grace, and keeps only sessions open at a stream time', () => {
    // Prepare
    const sessions = [
      { start: 0, end: 85, acc: 1 },
      { start: 90, end: 86, acc: 1 },
    ];
    // Act & Assess
    expect(isSessionClosed(85, 100, times)).toBe(true);
    expect(isSessionClosed(86, 100, times)).toBe(false);
    expect(liveSessions(sessions, 100, times)).toEqual([{ start: 90, end: 86, acc: 1 }]);
    expect(liveSessions(sessions, null, times)).toEqual(sessions);
  });
});
