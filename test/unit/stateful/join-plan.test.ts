import { describe, expect, it } from 'vitest';
import { type KeptRecord, type PlanInput, planBatch } from '../../../shared/stateful/join-plan.ts';

const window = { beforeMs: 10, afterMs: 10, graceMs: 5 };
const kept = (id: string, side: 'left' | 'right', t: number, key = 'a'): KeptRecord => ({ id, side, key, t });

const plan = (input: Partial<PlanInput> & Pick<PlanInput, 'records'>) =>
  planBatch({
    side: 'left',
    type: 'inner',
    window,
    streamTime: undefined,
    storeTimes: {},
    others: new Map(),
    open: [],
    ...input,
  });

const ids = (p: ReturnType<typeof planBatch>) => ({
  pairs: p.pairs.map((x) => `${x.left.id}+${x.right.id}`),
  alone: p.alone.map((x) => x.record.id),
});

describe('a join batch, planned in memory', () => {
  it('pairs each record with the kept records of the other side in its window, in source order', () => {
    // Prepare
    const others = new Map([
      ['a', [kept('R1', 'right', 95), kept('R2', 'right', 111), kept('R3', 'right', 104)]],
    ]);
    // Act
    const p = plan({ records: [{ id: 'L1', key: 'a', t: 100 }], others, streamTime: 100 });
    // Assess
    expect(ids(p).pairs).toEqual(['L1+R1', 'L1+R3']);
    expect(p.late).toEqual([]);
  });

  it("marks a record late when its side's store time is past its time plus window and grace, yet joins it first", async () => {
    // Prepare: Kafka Streams joins a record before storing it; too old to store, it still pairs with what is read.
    const others = new Map([['a', [kept('R1', 'right', 80)]]]);
    // Act
    const p = plan({
      records: [
        { id: 'L1', key: 'a', t: 75 },
        { id: 'L2', key: 'a', t: 76 },
      ],
      streamTime: 100,
      storeTimes: { left: 100, right: 80 },
      others,
    });
    // Assess
    expect(p.late).toEqual([0]);
    expect(p.decisions.map((d) => d.late)).toEqual([true, false]);
    expect(ids(p).pairs).toEqual(['L1+R1', 'L2+R1']);
  });

  it("reads the other side's records as its store keeps them, by that side's own time", () => {
    // Prepare
    const others = new Map([['a', [kept('R1', 'right', 90)]]]);
    // Act: R1 at 90 is past the right store's time 115 minus retention (25): no longer read.
    const early = plan({
      records: [{ id: 'L1', key: 'a', t: 100 }],
      others,
      streamTime: 115,
      storeTimes: { right: 114 },
    });
    const gone = plan({
      records: [{ id: 'L1', key: 'a', t: 100 }],
      others,
      streamTime: 115,
      storeTimes: { right: 115 },
    });
    // Assess
    expect(ids(early).pairs).toEqual(['L1+R1']);
    expect(ids(gone).pairs).toEqual([]);
  });

  it('advances store time record by record: a later record of the batch can make an earlier-timed one late', () => {
    // Act
    const p = plan({
      records: [
        { id: 'L1', key: 'a', t: 200 },
        { id: 'L2', key: 'a', t: 170 },
      ],
      streamTime: 100,
      storeTimes: { left: 100 },
    });
    // Assess
    expect(p.late).toEqual([1]);
    expect(p.streamTime).toBe(200);
  });

  it('keeps an unmatched left record of a left join open until stream time passes its window end plus grace', () => {
    // Act
    const p = plan({
      type: 'left',
      records: [
        { id: 'L1', key: 'a', t: 100 },
        { id: 'L2', key: 'b', t: 115 },
        { id: 'L3', key: 'b', t: 116 },
      ],
    });
    // Assess
    expect(p.alone.map((a) => [a.by, a.record.id])).toEqual([[2, 'L1']]);
    expect(p.opened).toEqual([1, 2]);
    // Kafka Streams' minTime: the time of the record its look at the store stopped at (L2, still open).
    expect(p.minTime).toBe(115);
  });

  it('emits an unmatched record alone at once when its window had already ended on arrival (Kafka Streams does)', () => {
    // Act
    const p = plan({ type: 'left', records: [{ id: 'L1', key: 'a', t: 100 }], streamTime: 111 });
    // Assess
    expect(ids(p).alone).toEqual(['L1']);
    expect(p.opened).toEqual([]);
  });

  it('never emits alone an open record of the other side that this batch matched', () => {
    // Prepare: R1 waits open; the left record at 101 pairs with it, then one at 200 closes windows.
    const r1 = kept('R1', 'right', 100);
    // Act
    const p = plan({
      type: 'outer',
      records: [
        { id: 'L1', key: 'a', t: 101 },
        { id: 'L2', key: 'z', t: 200 },
      ],
      others: new Map([['a', [r1]]]),
      open: [r1],
      streamTime: 100,
    });
    // Assess
    expect(ids(p)).toEqual({ pairs: ['L1+R1'], alone: [] });
    expect(p.matched.map((m) => m.id)).toEqual(['R1']);
  });

  it('closes windows only at a record that is at stream time, as Kafka Streams does', () => {
    // Prepare
    const r1 = kept('R1', 'right', 100);
    // Act: an out-of-order record (t 150 < stream time 200) closes nothing (it is emitted alone itself: unmatched,
    // its own window over).
    const p = plan({ type: 'outer', records: [{ id: 'L1', key: 'z', t: 150 }], open: [r1], streamTime: 200 });
    // Assess
    expect(ids(p).alone).toEqual(['L1']);
    expect(p.removed).toEqual([]);
  });

  it("holds back a closed record while Kafka Streams' minTime gate says nothing can be due (its quirk, kept)", () => {
    // Prepare: an outer join, window 0 before and 10 after, no grace: a left record waits 10 ms, a right one 0.
    const w = { beforeMs: 0, afterMs: 10, graceMs: 0 };
    const l1 = kept('L1', 'left', 100);
    const r1 = kept('R1', 'right', 105, 'b');
    // Act: a right record at 106 looks at the store (minTime 100 + 0 < 106): emits R1, L1 is still open, and
    // minTime becomes 105, the last record looked at. A left record at 111 then finds minTime 105 + 10 ≥ 111.
    const right = planBatch({
      side: 'right',
      type: 'outer',
      window: w,
      streamTime: 105,
      storeTimes: {},
      records: [{ id: 'R2', key: 'c', t: 106 }],
      others: new Map(),
      open: [l1, r1],
      minTime: 100,
    });
    const left = planBatch({
      side: 'left',
      type: 'outer',
      window: w,
      streamTime: 106,
      storeTimes: {},
      records: [{ id: 'L2', key: 'd', t: 111 }],
      others: new Map(),
      open: [l1, kept('R2', 'right', 106, 'c')],
      minTime: right.minTime,
    });
    // Assess
    expect(ids(right).alone).toEqual(['R1']);
    expect(right.minTime).toBe(105);
    expect(ids(left).alone).toEqual([]);
    expect(left.opened).toEqual([0]);
  });
});
