import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import { LineageHeader } from '../../../shared/outputs/lineage.ts';
import type { RecordHeader } from '../../../shared/record.ts';
import { type Letter, REDRIVE_HEADER_PREFIX, type RedriveMessage } from './letter.ts';

const DLQ_PREFIX = 'sluice.dlq.';
const lineageNames: ReadonlySet<string> = new Set(Object.values(LineageHeader));

/** A message read from a dead-letter topic (or a Kafka on-failure topic), with its coordinates. */
export interface ReadMessage extends RedriveMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

const text = (headers: readonly RecordHeader[], name: string): string | undefined => {
  // The last one wins: the dead-letter writer appends its context after the original headers.
  for (let i = headers.length - 1; i >= 0; i--) {
    const header = headers[i] as RecordHeader;
    if (header.key === name) return header.value.toString('utf8');
  }
  return undefined;
};

/**
 * The lineage the original record carried. The dead letter carries the lineage of its own hop (the original
 * record as its source), which is the original's path plus one hop: `reviews.raw/2>reviews.clean/0` for a
 * record dead-lettered from `reviews.clean` partition 0. Removing that last hop gives back the original's path,
 * so the redriven record keeps its origin (its path and origin offset) and replay guards downstream still
 * recognise it; a one-hop path means the original entered Sluice there and carried no lineage.
 */
const originalLineage = (headers: readonly RecordHeader[], hop: string): RecordHeader[] => {
  const path = text(headers, LineageHeader.Path);
  const origin = text(headers, LineageHeader.OriginOffset);
  if (path === undefined || origin === undefined || path === hop) return [];
  const restored = path.endsWith(`>${hop}`) ? path.slice(0, -hop.length - 1) : path;
  return [
    { key: LineageHeader.Path, value: Buffer.from(restored, 'utf8') },
    { key: LineageHeader.OriginOffset, value: Buffer.from(origin, 'utf8') },
  ];
};

/**
 * The original message of a dead letter: its key and value as they are, its headers without the dead-letter
 * context (`sluice.dlq.*`), binary headers the writer carried base64 restored to their bytes (unless the raw
 * header travelled too), this hop's lineage replaced by the original's, and earlier redrive marks dropped.
 */
export const originalMessage = (message: ReadMessage): RedriveMessage => {
  const headers = message.headers;
  const topic = text(headers, DeadLetterHeader.SourceTopic);
  const partition = text(headers, DeadLetterHeader.SourcePartition);
  const hop = topic !== undefined && partition !== undefined ? `${topic}/${partition}` : undefined;
  const plain = new Set(headers.filter((h) => !h.key.startsWith(DLQ_PREFIX)).map((h) => h.key));
  const kept: RecordHeader[] = [];
  for (const header of headers) {
    if (header.key.startsWith(DeadLetterHeader.HeaderBase64Prefix)) {
      const name = header.key.slice(DeadLetterHeader.HeaderBase64Prefix.length);
      if (!plain.has(name))
        kept.push({ key: name, value: Buffer.from(header.value.toString('utf8'), 'base64') });
      continue;
    }
    if (header.key.startsWith(DLQ_PREFIX)) continue;
    if (header.key.startsWith(REDRIVE_HEADER_PREFIX)) continue;
    // Without dead-letter context (a Kafka on-failure topic) the lineage is the original's own.
    if (hop !== undefined && lineageNames.has(header.key)) continue;
    kept.push(header);
  }
  const lineage = hop === undefined ? [] : originalLineage(headers, hop);
  return { key: message.key, value: message.value, headers: [...kept, ...lineage] };
};

const sourceOf = (headers: readonly RecordHeader[]): Letter['source'] => {
  const topic = text(headers, DeadLetterHeader.SourceTopic);
  const partition = Number(text(headers, DeadLetterHeader.SourcePartition));
  const offset = Number(text(headers, DeadLetterHeader.SourceOffset));
  return topic !== undefined && Number.isSafeInteger(partition) && Number.isSafeInteger(offset)
    ? { topic, partition, offset }
    : undefined;
};

/**
 * A dead letter as a letter to redrive. A message without dead-letter context (a Kafka on-failure topic holds
 * the failed records themselves) is redriven as it is, and needs `--to` since it names no source topic.
 */
export const deadLetterOf = (message: ReadMessage): Letter => {
  const headers = message.headers;
  const at = `${message.topic}/${message.partition}/${message.offset}`;
  const source = sourceOf(headers);
  const flow = text(headers, DeadLetterHeader.Flow);
  const omitted = text(headers, DeadLetterHeader.ValueOmittedBytes);
  const base = {
    id: `${at}`,
    from: at,
    ...(flow !== undefined ? { flow } : {}),
    stage: text(headers, DeadLetterHeader.Stage) ?? 'on-failure',
    errorClass: text(headers, DeadLetterHeader.ErrorClass) ?? '-',
    reason: text(headers, DeadLetterHeader.ErrorMessage) ?? 'failed batch',
    ...(source ? { source } : {}),
  };
  if (omitted !== undefined) {
    const where = source
      ? `re-read it from ${source.topic} partition ${source.partition} offset ${source.offset} if still retained`
      : 'its source is not named';
    return { ...base, valueOmitted: true, notRedrivable: `value omitted (${omitted} bytes): ${where}` };
  }
  return { ...base, message: originalMessage(message) };
};
