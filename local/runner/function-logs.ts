import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** What a flow's handlers said about their batches, summed from their one-line-per-batch summaries. */
export class FlowSummary {
  batches = 0;
  recordsIn = 0;
  deadLettered = 0;
  dropped = 0;
  /** Copies of records already written that an output left out (a replay upstream). */
  replayed = 0;
  /** Records whose inbound lineage was not believed (an ingress topic, or forged) and restarted here. */
  lineageRestarted = 0;
  readonly written = new Map<string, number>();

  add(line: Record<string, unknown>): void {
    this.batches++;
    const counts = (line.counts ?? line) as Record<string, unknown>;
    this.recordsIn += Number(counts.in ?? counts.recordsIn ?? 0);
    this.deadLettered += Number(counts.deadLettered ?? 0);
    this.dropped += Number(counts.dropped ?? counts.filtered ?? 0);
    const counters = (line.counters ?? {}) as Record<string, unknown>;
    this.replayed += Number(counters.RecordsReplayed ?? 0);
    this.lineageRestarted += Number(counters.LineageRejected ?? 0);
    const out = (counts.written ?? counts.out ?? {}) as Record<string, unknown>;
    for (const [output, n] of Object.entries(out))
      this.written.set(output, (this.written.get(output) ?? 0) + Number(n));
  }

  describe(): string {
    const written = [...this.written].map(([name, n]) => `${name} ${n}`).join(', ') || 'nothing';
    const replayed = this.replayed > 0 ? `; left out ${this.replayed} replayed copies` : '';
    const lineage =
      this.lineageRestarted > 0
        ? `; ignored the lineage headers ${this.lineageRestarted} records arrived with`
        : '';
    return `${this.batches} batches, ${this.recordsIn} records in, ${this.dropped} dropped, ${this.deadLettered} dead-lettered; wrote ${written}${replayed}${lineage}`;
  }
}

/** The handler's one line per batch (Powertools Logger, message "batch"). */
const isSummary = (line: Record<string, unknown>) => line.message === 'batch' && 'recordsIn' in line;

/** Where each function log ends now, so a run reads only its own lines. */
export const logOffsets = (files: ReadonlyMap<string, string>): Map<string, number> =>
  new Map(
    [...files].map(([name, file]) => {
      try {
        return [name, statSync(file).size];
      } catch {
        return [name, 0];
      }
    }),
  );

export const readSummaries = (
  files: ReadonlyMap<string, string>,
  from: ReadonlyMap<string, number>,
): Map<string, FlowSummary> => {
  const summaries = new Map<string, FlowSummary>();
  for (const [name, file] of files) {
    const summary = new FlowSummary();
    summaries.set(name, summary);
    let text = '';
    try {
      const start = from.get(name) ?? 0;
      const size = statSync(file).size;
      const buffer = Buffer.alloc(Math.max(0, size - start));
      const fd = openSync(file, 'r');
      readSync(fd, buffer, 0, buffer.length, start);
      closeSync(fd);
      text = buffer.toString('utf8');
    } catch {
      continue;
    }
    for (const raw of text.split('\n')) {
      if (!raw.startsWith('{')) continue;
      try {
        const line = JSON.parse(raw) as Record<string, unknown>;
        if (isSummary(line)) summary.add(line);
      } catch {
        // Not a JSON log line (a stack trace, the runtime's START/END lines).
      }
    }
  }
  return summaries;
};
