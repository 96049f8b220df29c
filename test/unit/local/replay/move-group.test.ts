import { describe, expect, it } from 'vitest';
import { moveGroup } from '../../../../local/tools/replay/move-group.ts';
import { parsePosition } from '../../../../local/tools/replay/position.ts';
import { movesTable } from '../../../../local/tools/replay/report.ts';
import { ConfigError } from '../../../../shared/errors.ts';
import { FakeGroupAdmin } from './fakes.ts';

const noWait = async () => undefined;
const topic = 'reviews.raw';
const options = (position: ReturnType<typeof parsePosition>) => ({
  groupId: 'sluice-cleanse-reviews',
  topic,
  position,
  sleep: noWait,
});

describe('moving a stopped flow’s consumer group', () => {
  it('moves every partition to its log start for earliest and says what each will read again', async () => {
    // Prepare
    const admin = new FakeGroupAdmin(
      topic,
      [
        { low: 0, high: 100 },
        { low: 20, high: 50 },
      ],
      new Map([
        [0, 100],
        [1, 40],
      ]),
    );
    // Act
    const moves = await moveGroup(admin, options(parsePosition('earliest')));
    // Assess
    expect(admin.set).toEqual([
      [
        { partition: 0, offset: '0' },
        { partition: 1, offset: '20' },
      ],
    ]);
    expect(moves).toEqual([
      { partition: 0, from: 100, to: 0, end: 100 },
      { partition: 1, from: 40, to: 20, end: 50 },
    ]);
    const table = movesTable('cleanse-reviews', topic, 'sluice-cleanse-reviews', moves);
    expect(table).toContain('100 → 0');
    expect(table).toContain('100 again');
    expect(table).toContain('2 partition(s) moved: 130 records to read, 120 of them processed before');
  });

  it('moves to the end for latest (a skip, said as such)', async () => {
    const admin = new FakeGroupAdmin(topic, [{ low: 0, high: 80 }], new Map([[0, 30]]));
    const moves = await moveGroup(admin, options(parsePosition('latest')));
    expect(moves).toEqual([{ partition: 0, from: 30, to: 80, end: 80 }]);
    expect(movesTable('f', topic, 'g', moves)).toContain('50 skipped');
  });

  it('moves to the first record at or after a time, per partition', async () => {
    // Prepare
    let asked = 0;
    const admin = new FakeGroupAdmin(
      topic,
      [
        { low: 0, high: 10 },
        { low: 0, high: 10 },
      ],
      new Map(),
      ['Empty'],
      (ms) => {
        asked = ms;
        return [4, 10];
      },
    );
    // Act
    const moves = await moveGroup(admin, options(parsePosition('2026-11-30T12:00:00Z')));
    // Assess
    expect(asked).toBe(Date.parse('2026-11-30T12:00:00Z'));
    expect(moves.map((m) => [m.from, m.to])).toEqual([
      [undefined, 4],
      [undefined, 10],
    ]);
  });

  it('moves only the partitions an offsets file names', async () => {
    const admin = new FakeGroupAdmin(topic, [
      { low: 0, high: 10 },
      { low: 0, high: 10 },
    ]);
    const position = parsePosition('offsets.json', () => '{ "1": 7 }');
    const moves = await moveGroup(admin, options(position));
    expect(admin.set).toEqual([[{ partition: 1, offset: '7' }]]);
    expect(moves).toEqual([{ partition: 1, from: undefined, to: 7, end: 10 }]);
  });

  it('refuses an offset outside what the partition holds, naming the file and partition, and moves nothing', async () => {
    const admin = new FakeGroupAdmin(topic, [{ low: 5, high: 10 }]);
    const position = parsePosition('offsets.json', () => '{ "0": 3 }');
    await expect(moveGroup(admin, options(position))).rejects.toThrow(
      'offsets.json["0"]: offset 3 is outside what reviews.raw partition 0 holds (5 to 10)',
    );
    expect(admin.set).toEqual([]);
  });

  it('refuses a partition the topic does not have', async () => {
    const admin = new FakeGroupAdmin(topic, [{ low: 0, high: 10 }]);
    const position = parsePosition('offsets.json', () => '{ "3": 1 }');
    await expect(moveGroup(admin, options(position))).rejects.toBeInstanceOf(ConfigError);
  });

  it('waits for the group’s members to leave before moving it', async () => {
    const admin = new FakeGroupAdmin(topic, [{ low: 0, high: 10 }], new Map(), [
      'PreparingRebalance',
      'Stable',
      'Empty',
    ]);
    await moveGroup(admin, options(parsePosition('earliest')));
    expect(admin.set).toHaveLength(1);
  });

  it('gives up on a group that keeps its members, saying so, and moves nothing', async () => {
    const admin = new FakeGroupAdmin(topic, [{ low: 0, high: 10 }], new Map(), ['Stable']);
    await expect(
      moveGroup(admin, { ...options(parsePosition('earliest')), emptyTimeoutMs: 0 }),
    ).rejects.toThrow(/still has 1 member\(s\) \(state Stable\).*still running somewhere/);
    expect(admin.set).toEqual([]);
  });
});

describe('--from', () => {
  it('takes earliest, latest, an ISO time and an offsets file', () => {
    expect(parsePosition('earliest')).toEqual({ kind: 'earliest' });
    expect(parsePosition('latest')).toEqual({ kind: 'latest' });
    expect(parsePosition('2026-11-30T12:00:00.000+01:00')).toEqual({
      kind: 'time',
      timestamp: Date.parse('2026-11-30T11:00:00Z'),
    });
    expect(parsePosition('o.json', () => '{"0": 1, "2": 0}')).toMatchObject({
      kind: 'offsets',
      offsets: new Map([
        [0, 1],
        [2, 0],
      ]),
    });
  });

  it.each([
    ['yesterday', '--from yesterday: expected earliest, latest'],
    ['2026-13-45T00:00:00Z', '--from 2026-13-45T00:00:00Z: not a valid time'],
  ])('rejects %s at load time', (from, message) => {
    expect(() => parsePosition(from)).toThrow(message);
  });

  it.each([
    ['[1]', 'o.json: expected an object'],
    ['{"x": 1}', 'o.json["x"]: a partition is a non-negative integer'],
    ['{"0": -1}', 'o.json["0"]: expected an offset ≥ 0, got -1'],
    ['{"0": "5"}', 'o.json["0"]: expected an offset ≥ 0, got "5"'],
    ['{}', 'o.json: names no partition'],
    ['{', 'o.json: not JSON'],
  ])('rejects the offsets file %s naming the path of what is wrong', (text, message) => {
    expect(() => parsePosition('o.json', () => text)).toThrow(message);
  });

  it('names a file it cannot read', () => {
    expect(() => parsePosition('missing.json')).toThrow('--from missing.json: cannot read it (ENOENT)');
  });
});
