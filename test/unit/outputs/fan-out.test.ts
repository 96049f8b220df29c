import { describe, expect, it } from 'vitest';
import { RecordRejectedError, RetriableError, Stage } from '../../../shared/errors.ts';
import { writeAll } from '../../../shared/outputs/fan-out.ts';
import type { Output } from '../../../shared/outputs/output.ts';
import { offsets } from './records.ts';

const recording = (name: string, behaviour: 'ok' | 'fail' | 'reject-first' = 'ok') => {
  const seen: number[][] = [];
  let settled = false;
  const output: Output = {
    name,
    async write(records) {
      seen.push(records.map((r) => r.source.offset));
      await new Promise((resolve) => setTimeout(resolve, 5));
      settled = true;
      if (behaviour === 'fail') throw new RetriableError(`${name} is down`);
      const first = records[0];
      const deadLetters =
        behaviour === 'reject-first' && first
          ? [{ record: first, stage: Stage.Output, error: new RecordRejectedError('bad'), component: name }]
          : [];
      return { written: records.length - deadLetters.length, deadLetters };
    },
  };
  return { output, seen, settled: () => settled };
};

describe('writing to several outputs', () => {
  it('writes every output in parallel and gathers their dead letters', async () => {
    const a = recording('a');
    const b = recording('b', 'reject-first');
    const result = await writeAll([a.output, b.output], offsets(0, 3), { flowName: 'f' });
    expect(a.seen).toEqual([[0, 1, 2]]);
    expect(result.results).toMatchObject({ a: { written: 3 }, b: { written: 2 } });
    expect(result.deadLetters.map((d) => d.component)).toEqual(['b']);
  });

  it('gives each output only the records its filter accepts', async () => {
    const a = recording('a');
    const b = recording('b');
    await writeAll(
      [a.output, { output: b.output, accepts: (r) => r.source.offset % 2 === 0 }],
      offsets(0, 4),
      {
        flowName: 'f',
      },
    );
    expect(a.seen).toEqual([[0, 1, 2, 3]]);
    expect(b.seen).toEqual([[0, 2]]);
  });

  it('fails the batch retriably when one output fails, after the others have finished', async () => {
    // Prepare
    const ok = recording('lake');
    const down = recording('search', 'fail');
    // Act
    const failure = writeAll([down.output, ok.output], offsets(0, 2), { flowName: 'f' });
    // Assess
    await expect(failure).rejects.toThrow(RetriableError);
    await expect(failure).rejects.toThrow(/search: search is down/);
    expect(ok.settled()).toBe(true);
  });
});
