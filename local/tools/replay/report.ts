import type { PartitionMove } from './move-group.ts';

/** One flow's moves as a table: per partition, from → to, what the flow reads from there, and the change. */
export const movesTable = (
  flow: string,
  topic: string,
  group: string,
  moves: readonly PartitionMove[],
): string => {
  const lines = [`${flow}: group ${group} on ${topic}`, '  partition  from → to            to read  change'];
  let read = 0;
  let again = 0;
  for (const m of moves) {
    const from = m.from === undefined ? 'none' : String(m.from);
    const toRead = m.end - m.to;
    read += toRead;
    const delta = m.from === undefined ? 0 : m.from - m.to;
    if (delta > 0) again += delta;
    const change =
      m.from === undefined
        ? 'first position'
        : delta > 0
          ? `${delta} again`
          : delta < 0
            ? `${-delta} skipped`
            : 'none';
    lines.push(
      `  ${String(m.partition).padStart(9)}  ${`${from} → ${m.to}`.padEnd(18)} ${String(toRead).padStart(7)}  ${change}`,
    );
  }
  lines.push(
    `  ${moves.length} partition(s) moved: ${read} records to read, ${again} of them processed before`,
  );
  return lines.join('\n');
};
