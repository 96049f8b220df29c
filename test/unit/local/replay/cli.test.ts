import { describe, expect, it } from 'vitest';
import { type ReplayIo, runReplay } from '../../../../local/tools/replay/cli.ts';

const flows = [
  { name: 'cleanse-reviews', topic: 'reviews.raw', group: 'sluice-cleanse-reviews' },
  { name: 'lake-sink', topic: 'reviews.enriched', group: 'sluice-lake-sink' },
];

const io = (replayed: string[] = []) => {
  const out: string[] = [];
  const err: string[] = [];
  const value: ReplayIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    flows: async () => flows,
    replayer: async () => ({
      where: 'on a fake broker',
      after: 'then resume',
      replay: async (flow) => {
        replayed.push(flow.name);
        return {
          flow: flow.name,
          topic: flow.topic,
          group: flow.group,
          moves: [{ partition: 0, from: 10, to: 0, end: 10 }],
        };
      },
    }),
  };
  return { value, out, err };
};

describe('npm run replay arguments', () => {
  it('replays each named flow in turn, prints its moves and what comes next, and exits 0', async () => {
    const replayed: string[] = [];
    const { value, out } = io(replayed);
    const code = await runReplay(['cleanse-reviews', 'lake-sink', '--from', 'earliest'], value);
    expect(code).toBe(0);
    expect(replayed).toEqual(['cleanse-reviews', 'lake-sink']);
    expect(out[0]).toBe('replaying cleanse-reviews, lake-sink from earliest on a fake broker');
    expect(out.join('\n')).toContain('lake-sink: group sluice-lake-sink on reviews.enriched');
    expect(out.at(-1)).toBe('then resume');
  });

  it.each([
    [['nope', '--from', 'earliest'], 'error: nope: no such flow; flows: cleanse-reviews, lake-sink'],
    [['cleanse-reviews'], 'error: --from: required'],
    [['--from', 'earliest'], 'error: arguments: name at least one flow'],
    [['cleanse-reviews', '--from', 'earliest', '--to', 'x'], "error: arguments: Unknown option '--to'"],
  ])('exits 2 with the usage line for %j, replaying nothing', async (argv, message) => {
    const replayed: string[] = [];
    const { value, err } = io(replayed);
    expect(await runReplay(argv, value)).toBe(2);
    expect(err[0]).toContain(message);
    expect(err[1]).toMatch(/^usage: npm run replay/);
    expect(replayed).toEqual([]);
  });
});
