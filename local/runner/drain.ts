import type { Admin } from 'kafkajs';
import type { EventSourceMapping } from '../esm/mapping.ts';

/**
 * How far a mapping's group lags its source topic: records still in the topic and not yet committed, summed over
 * partitions. Records deleted or expired (below the log start offset) are not lag: a group whose commit is older,
 * or a partition it never had a record to commit on, is behind only by what the topic still holds.
 */
export const lagOf = async (admin: Admin, mapping: EventSourceMapping): Promise<number> => {
  const { topic, consumerGroup } = mapping.config;
  const [ends, [committed]] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId: consumerGroup, topics: [topic] }),
  ]);
  const done = new Map(committed?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
  return ends.reduce((lag, p) => lag + partitionLag(p, done.get(p.partition)), 0);
};

/** One partition's lag: from the later of the group's commit and the log start, to the end. */
export const partitionLag = (
  ends: { readonly low: string; readonly high: string },
  committed?: number,
): number => Math.max(0, Number(ends.high) - Math.max(Number(ends.low), committed ?? 0, 0));

/**
 * Waits until every mapping has committed its source topic to the end, twice in a row: an upstream flow that
 * just finished may still be producing into a downstream flow's topic.
 */
export const waitUntilDrained = async (
  admin: Admin,
  mappings: readonly EventSourceMapping[],
  options: { timeoutMs: number; onTick?: (lags: number[]) => void },
): Promise<void> => {
  const deadline = Date.now() + options.timeoutMs;
  let quietPasses = 0;
  while (quietPasses < 2) {
    const lags = await Promise.all(mappings.map((m) => lagOf(admin, m)));
    options.onTick?.(lags);
    quietPasses = lags.every((lag) => lag === 0) ? quietPasses + 1 : 0;
    if (Date.now() > deadline) {
      const behind = mappings.flatMap((m, i) =>
        (lags[i] ?? 0) > 0 ? [`${m.config.functionName} (${lags[i]} behind)`] : [],
      );
      throw new Error(`flows not drained after ${options.timeoutMs / 1000}s: ${behind.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, quietPasses > 0 ? 750 : 250));
  }
};
