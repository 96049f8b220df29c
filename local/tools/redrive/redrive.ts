import { type RedriveArgs, selects } from './args.ts';
import type { Ledger, LedgerEntry } from './ledger.ts';
import { coordinates, type Letter, RedriveHeader } from './letter.ts';
import type { Outgoing, Publisher } from './publish.ts';

/** One row of the report: the letters of one flow, stage, error class and reason. */
export interface ReasonRow {
  readonly flow: string;
  readonly stage: string;
  readonly errorClass: string;
  readonly reason: string;
  /** Topics the row's records went (or would go) to. */
  readonly to: Set<string>;
  redriven: number;
  already: number;
  notRedrivable: number;
}

export interface RedriveReport {
  readonly dryRun: boolean;
  /** Letters read. */
  read: number;
  /** Letters `--flow`/`--where` left out. */
  filteredOut: number;
  readonly rows: ReasonRow[];
  /** Each letter that cannot be redriven, with why (and where to find its original). */
  readonly notRedrivable: { readonly from: string; readonly why: string }[];
}

export interface RedriveDeps {
  readonly ledger: Ledger;
  readonly publisher: Publisher;
  readonly now?: () => Date;
}

const rowOf = (rows: Map<string, ReasonRow>, letter: Letter): ReasonRow => {
  const id = JSON.stringify([letter.flow, letter.stage, letter.errorClass, letter.reason]);
  let row = rows.get(id);
  if (!row) {
    row = {
      flow: letter.flow ?? '-',
      stage: letter.stage,
      errorClass: letter.errorClass,
      reason: letter.reason,
      to: new Set(),
      redriven: 0,
      already: 0,
      notRedrivable: 0,
    };
    rows.set(id, row);
  }
  return row;
};

/**
 * Publishes every selected letter again: to `--to`, or back to the topic and partition its original came from.
 * Letters in the ledger are skipped; what is published is recorded in the ledger after the broker acknowledged
 * it (a crash in between redrives those records again on the next run: at least once, like every Kafka output
 * here). A dry run reads the ledger but writes nothing.
 */
export const redrive = async (
  letters: readonly Letter[],
  args: Pick<RedriveArgs, 'flow' | 'where' | 'to' | 'dryRun'>,
  deps: RedriveDeps,
): Promise<RedriveReport> => {
  const rows = new Map<string, ReasonRow>();
  const report: RedriveReport = {
    dryRun: args.dryRun,
    read: letters.length,
    filteredOut: 0,
    rows: [],
    notRedrivable: [],
  };
  const selected = letters.filter((l) => selects(args, l));
  report.filteredOut = letters.length - selected.length;
  const done = new Set(await deps.ledger.load());
  const targets = [
    ...new Set(
      selected.flatMap((l) => {
        const topic = args.to ?? l.source?.topic ?? l.defaultTopic;
        return topic === undefined ? [] : [topic];
      }),
    ),
  ];
  const partitions =
    targets.length > 0 ? await deps.publisher.partitions(targets) : new Map<string, number>();
  const at = (deps.now ?? (() => new Date()))().toISOString();
  const outgoing: Outgoing[] = [];
  const entries: LedgerEntry[] = [];
  const refuse = (letter: Letter, row: ReasonRow, why: string) => {
    row.notRedrivable++;
    report.notRedrivable.push({ from: letter.from, why });
  };
  for (const letter of selected) {
    const row = rowOf(rows, letter);
    if (done.has(letter.id)) {
      row.already++;
      continue;
    }
    if (!letter.message) {
      refuse(letter, row, letter.notRedrivable ?? 'no message');
      continue;
    }
    const topic = args.to ?? letter.source?.topic ?? letter.defaultTopic;
    if (topic === undefined) {
      refuse(letter, row, 'it names no source topic: pass --to <topic>');
      continue;
    }
    const count = partitions.get(topic);
    if (count === undefined) {
      refuse(letter, row, `topic ${topic} does not exist`);
      continue;
    }
    // Back to its own partition keeps per-key order and the lineage path; elsewhere the partitioner decides.
    const partition =
      letter.source && topic === letter.source.topic && letter.source.partition < count
        ? letter.source.partition
        : undefined;
    const marks = [
      { key: RedriveHeader.From, value: Buffer.from(letter.from, 'utf8') },
      ...(letter.source
        ? [{ key: RedriveHeader.Source, value: Buffer.from(coordinates(letter.source)) }]
        : []),
      { key: RedriveHeader.At, value: Buffer.from(at, 'utf8') },
    ];
    const message = { ...letter.message, headers: [...letter.message.headers, ...marks] };
    outgoing.push({ topic, ...(partition !== undefined ? { partition } : {}), message });
    entries.push({
      id: letter.id,
      from: letter.from,
      to: partition === undefined ? topic : `${topic}/${partition}`,
      at,
    });
    // The same record found twice (a failed-batch object copied) goes once.
    done.add(letter.id);
    row.to.add(topic);
    row.redriven++;
  }
  report.rows.push(...rows.values());
  if (args.dryRun || outgoing.length === 0) return report;
  await deps.publisher.send(outgoing);
  try {
    await deps.ledger.record(entries);
  } catch (error) {
    throw new Error(
      `published ${outgoing.length} record(s) but could not record them in the ledger, so a next run would publish them again: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return report;
};
