import type { GroupAdmin } from '../../../../local/tools/replay/move-group.ts';

/** A fake Kafka admin: one topic's watermarks and one group's committed offsets and state, in memory. */
export class FakeGroupAdmin implements GroupAdmin {
  readonly set: { partition: number; offset: string }[][] = [];
  connected = false;
  constructor(
    readonly topic: string,
    readonly watermarks: { low: number; high: number }[],
    readonly committed: Map<number, number> = new Map(),
    /** Group states describeGroups answers, one per call; the last one repeats. */
    readonly states: string[] = ['Empty'],
    readonly byTimestamp: (ms: number) => number[] = () => watermarks.map((w) => w.high),
  ) {}
  async connect() {
    this.connected = true;
  }
  async disconnect() {
    this.connected = false;
  }
  describeGroups = (async (groupIds: string[]) => {
    const state = (this.states.length > 1 ? this.states.shift() : this.states[0]) as string;
    return {
      groups: groupIds.map((groupId) => ({
        groupId,
        state,
        members: state === 'Empty' ? [] : [{ memberId: 'm-1' }],
        protocol: '',
        protocolType: 'consumer',
        errorCode: 0,
      })),
    };
  }) as unknown as GroupAdmin['describeGroups'];
  fetchTopicOffsets = (async () =>
    this.watermarks.map((w, partition) => ({
      partition,
      offset: String(w.high),
      low: String(w.low),
      high: String(w.high),
    }))) as GroupAdmin['fetchTopicOffsets'];
  fetchOffsets = (async () => [
    {
      topic: this.topic,
      partitions: this.watermarks.map((_, partition) => ({
        partition,
        offset: String(this.committed.get(partition) ?? -1),
        metadata: null,
      })),
    },
  ]) as unknown as GroupAdmin['fetchOffsets'];
  fetchTopicOffsetsByTimestamp = (async (_topic: string, ms?: number) =>
    this.byTimestamp(ms ?? 0).map((offset, partition) => ({
      partition,
      offset: String(offset),
    }))) as GroupAdmin['fetchTopicOffsetsByTimestamp'];
  setOffsets = (async ({ partitions }: { partitions: { partition: number; offset: string }[] }) => {
    this.set.push(partitions);
    for (const p of partitions) this.committed.set(p.partition, Number(p.offset));
  }) as GroupAdmin['setOffsets'];
}
