import type { Kafka } from 'kafkajs';
import { coordinates, type Letter, REDRIVE_HEADER_PREFIX } from './letter.ts';
import { type ScanRange, scanTopic } from './topic-scan.ts';

type Source = NonNullable<Letter['source']>;

/** Why an original was not found where its dead letter says it was. */
export const whyMissing = ({ topic, partition, offset }: Source, range: ScanRange | undefined): string =>
  range === undefined
    ? `${topic} has no partition ${partition}`
    : offset < range.low
      ? `${topic} partition ${partition} no longer retains offset ${offset} (it starts at ${range.low})`
      : `offset ${offset} of ${topic} partition ${partition} was not found`;

/**
 * Dead letters sent without their value (too large for the dead-letter topic) get their original back from the
 * source topic, byte for byte, when it is still retained there; the others keep saying why they cannot be
 * redriven, now with the reason the source could not help.
 */
export const withOriginalsFromSource = async (
  kafka: Kafka,
  letters: readonly Letter[],
): Promise<Letter[]> => {
  const wanted = new Map<string, Map<number, Set<number>>>();
  for (const { valueOmitted, source } of letters) {
    if (!valueOmitted || !source) continue;
    const partitions = wanted.get(source.topic) ?? new Map<number, Set<number>>();
    const offsets = partitions.get(source.partition) ?? new Set<number>();
    offsets.add(source.offset);
    partitions.set(source.partition, offsets);
    wanted.set(source.topic, partitions);
  }
  const found = new Map<string, Letter['message']>();
  const missing = new Map<string, string>();
  for (const [topic, partitions] of wanted) {
    const ranges = new Map(
      [...partitions].map(([partition, offsets]) => [
        partition,
        { from: Math.min(...offsets), to: Math.max(...offsets) + 1 },
      ]),
    );
    try {
      const scan = await scanTopic(
        kafka,
        topic,
        (m) => {
          if (!partitions.get(m.partition)?.has(m.offset)) return;
          const headers = m.headers.filter((h) => !h.key.startsWith(REDRIVE_HEADER_PREFIX));
          found.set(`${topic}/${m.partition}/${m.offset}`, { key: m.key, value: m.value, headers });
        },
        { ranges },
      );
      for (const [partition, offsets] of partitions) {
        const range = scan.ranges.get(partition);
        for (const offset of offsets) {
          missing.set(`${topic}/${partition}/${offset}`, whyMissing({ topic, partition, offset }, range));
        }
      }
    } catch (error) {
      for (const [partition, offsets] of partitions) {
        for (const offset of offsets) {
          missing.set(
            `${topic}/${partition}/${offset}`,
            `reading ${topic} failed: ${(error as Error).message}`,
          );
        }
      }
    }
  }
  return letters.map((letter) => {
    if (!letter.valueOmitted || !letter.source) return letter;
    const at = coordinates(letter.source as Source);
    const message = found.get(at);
    if (message) {
      const { notRedrivable: _, ...rest } = letter;
      return { ...rest, message };
    }
    return {
      ...letter,
      notRedrivable: `${letter.notRedrivable}; --from-source: ${missing.get(at) ?? 'not found'}`,
    };
  });
};
