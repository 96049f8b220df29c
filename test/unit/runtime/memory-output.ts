import type { Filter } from '../../../shared/filter/filter.ts';
import type { DeadLetter, Output, OutputContext } from '../../../shared/outputs/output.ts';
import type { OutputKind, OutputSpec } from '../../../shared/outputs/spec.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import type { TopicRef } from '../../../shared/topology/resources.ts';

/** An Output that keeps what it is given, and can be told to fail or reject. */
export class MemoryOutput implements Output {
  readonly name: string;
  readonly batches: FlowRecord[][] = [];
  /** Throw this on the next writes (e.g. a RetriableError). */
  failWith: Error | undefined;
  /** Reject (dead-letter) records for which this returns an error. */
  reject: ((record: FlowRecord) => Error | undefined) | undefined;
  creations = 0;
  constructor(name: string) {
    this.name = name;
  }
  get records(): FlowRecord[] {
    return this.batches.flat();
  }
  async write(records: readonly FlowRecord[], _context: OutputContext) {
    if (this.failWith) throw this.failWith;
    const deadLetters: DeadLetter[] = [];
    const kept: FlowRecord[] = [];
    for (const record of records) {
      const error = this.reject?.(record);
      if (error) deadLetters.push({ record, stage: 'output', error: error as never, component: this.name });
      else kept.push(record);
    }
    this.batches.push(kept);
    return { written: kept.length, deadLetters };
  }
}

export interface MemorySpec extends OutputSpec {
  readonly output: MemoryOutput;
  readonly created: () => number;
}

/** An OutputSpec whose create() hands back one MemoryOutput and counts calls. */
export const memorySpec = (
  kind: OutputKind,
  name: string,
  resources: OutputSpec['resources'],
  when?: Filter,
): MemorySpec => {
  const output = new MemoryOutput(name);
  let created = 0;
  return {
    kind,
    name,
    resources,
    ...(when ? { when } : {}),
    output,
    created: () => created,
    create: () => {
      created++;
      return output;
    },
  };
};

export const memoryTopic = (topic: TopicRef, when?: Filter): MemorySpec & OutputSpec<'topic'> =>
  memorySpec('topic', `topic:${topic.name}`, { topics: [topic.name] }, when) as MemorySpec &
    OutputSpec<'topic'>;
