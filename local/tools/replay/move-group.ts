import type { Admin } from 'kafkajs';
import { ConfigError } from '../../../shared/errors.ts';
import type { ReplayPosition } from './position.ts';

/** The admin calls a replay makes (a fake in unit tests; kafkajs's Admin otherwise). */
export type GroupAdmin = Pick<
  Admin,
  'describeGroups' | 'fetchTopicOffsets' | 'fetchOffsets' | 'fetchTopicOffsetsByTimestamp' | 'setOffsets'
>;

/** What a replay did to one partition of the flow's source topic. */
export interface PartitionMove {
  readonly partition: number;
  /** The committed offset before; undefined when the group had none. */
  readonly from: number | undefined;
  readonly to: number;
  /** The end of the partition when moved: `end - to` records are read from the new position. */
  readonly end: number;
}

export interface MoveGroupOptions {
  readonly groupId: string;
  readonly topic: string;
  readonly position: ReplayPosition;
  /**
   * How long to wait for the group's members to leave (a stopped mapping's consumer, a crashed runner's until
   * its session times out): a group with members cannot be moved.
   * @default 45000
   */
  readonly emptyTimeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until the group has no members (Empty, or Dead: never used); throws naming its state when it does not. */
export const waitUntilGroupEmpty = async (
  admin: Pick<Admin, 'describeGroups'>,
  groupId: string,
  timeoutMs = 45_000,
  sleep = pause,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    if (!group || group.state === 'Empty' || group.state === 'Dead') return;
    if (Date.now() >= deadline)
      throw new Error(
        `consumer group ${groupId} still has ${group.members.length} member(s) (state ${group.state}) after ${timeoutMs / 1000}s: is its flow still running somewhere?`,
      );
    await sleep(1_000);
  }
};

/**
 * Moves a stopped flow's consumer group on its source topic to a position and says what moved. Offsets from a
 * file must lie within what the partition holds (log start to end): Kafka would otherwise reset them silently.
 */
export const moveGroup = async (admin: GroupAdmin, options: MoveGroupOptions): Promise<PartitionMove[]> => {
  const { groupId, topic, position } = options;
  await waitUntilGroupEmpty(admin, groupId, options.emptyTimeoutMs, options.sleep);
  const [watermarks, [committed]] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  const before = new Map(
    (committed?.partitions ?? [])
      .filter((p) => Number(p.offset) >= 0)
      .map((p) => [p.partition, Number(p.offset)]),
  );
  const byTime =
    position.kind === 'time'
      ? new Map(
          (await admin.fetchTopicOffsetsByTimestamp(topic, position.timestamp)).map((p) => [
            p.partition,
            Number(p.offset),
          ]),
        )
      : undefined;
  if (position.kind === 'offsets') {
    const known = new Set(watermarks.map((w) => w.partition));
    for (const partition of position.offsets.keys())
      if (!known.has(partition))
        throw new ConfigError(
          `${position.file}["${partition}"]`,
          `${topic} has partitions 0-${known.size - 1} only`,
        );
  }
  const moves: PartitionMove[] = [];
  for (const w of [...watermarks].sort((a, b) => a.partition - b.partition)) {
    const low = Number(w.low);
    const end = Number(w.high);
    let to: number | undefined;
    if (position.kind === 'earliest') to = low;
    else if (position.kind === 'latest') to = end;
    else if (position.kind === 'time') to = byTime?.get(w.partition) ?? end;
    else {
      to = position.offsets.get(w.partition);
      if (to !== undefined && (to < low || to > end))
        throw new ConfigError(
          `${position.file}["${w.partition}"]`,
          `offset ${to} is outside what ${topic} partition ${w.partition} holds (${low} to ${end})`,
        );
    }
    if (to === undefined) continue;
    moves.push({ partition: w.partition, from: before.get(w.partition), to, end });
  }
  if (moves.length > 0)
    await admin.setOffsets({
      groupId,
      topic,
      partitions: moves.map((m) => ({ partition: m.partition, offset: String(m.to) })),
    });
  return moves;
};
