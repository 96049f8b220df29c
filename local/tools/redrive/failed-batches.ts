import { decodeBase64 } from '../../../shared/decode/base64.ts';
import type { KafkaEventHeader, KafkaEventRecord } from '../../../shared/decode/event.ts';
import { headersAsBytes } from '../../../shared/decode/headers.ts';
import { type Letter, REDRIVE_HEADER_PREFIX } from './letter.ts';

/** What an S3 on-failure destination receives for a failed Kafka batch (only the fields a redrive reads). */
interface InvocationRecord {
  readonly requestContext?: { readonly functionArn?: string; readonly condition?: string };
  readonly KafkaBatchInfo?: { readonly errorType?: string; readonly errorMessage?: string };
  /** The whole Lambda Kafka event; some writers store it as a JSON string. */
  readonly payload?: { readonly records?: Record<string, readonly KafkaEventRecord[]> } | string;
}

export const FAILED_BATCH_STAGE = 'failed-batch';

const bytes = (field: string | null | undefined): Buffer | null | undefined =>
  field === undefined || field === null ? null : decodeBase64(field);

/** `arn:aws:lambda:<region>:<account>:function:<name>` → `<name>`. */
const functionName = (arn: string | undefined): string | undefined =>
  arn?.split(':function:')[1]?.split(':')[0];

/**
 * The records of one failed-batch object, each a letter to redrive to the topic and partition it was read
 * from. `name` is where the object was found (its S3 URL or file path); `flowOf` maps a function name to its
 * flow (deployed functions carry generated names). An object that is not an invocation record yields one
 * letter that is not redrivable, saying so.
 */
export const failedBatchLetters = (
  name: string,
  body: string,
  flowOf: (functionName: string) => string | undefined = (f) => f,
): Letter[] => {
  let record: InvocationRecord;
  let payload: { readonly records?: Record<string, readonly KafkaEventRecord[]> } | undefined;
  try {
    record = JSON.parse(body) as InvocationRecord;
    payload = typeof record.payload === 'string' ? JSON.parse(record.payload) : record.payload;
  } catch (error) {
    return [notAnInvocationRecord(name, `not JSON: ${(error as Error).message}`)];
  }
  const groups = payload?.records;
  if (!record.KafkaBatchInfo || !groups || typeof groups !== 'object') {
    return [
      notAnInvocationRecord(name, 'no KafkaBatchInfo and payload.records: not a Kafka invocation record'),
    ];
  }
  const fn = functionName(record.requestContext?.functionArn);
  const flow = fn === undefined ? undefined : (flowOf(fn) ?? fn);
  const info = record.KafkaBatchInfo;
  const letters: Letter[] = [];
  for (const records of Object.values(groups)) {
    if (!Array.isArray(records)) continue;
    for (const r of records as readonly KafkaEventRecord[]) {
      const source = { topic: r.topic, partition: r.partition, offset: r.offset };
      const from = `${name}#${r.topic}-${r.partition}@${r.offset}`;
      const base = {
        // The same failed record is one record wherever its object was copied to.
        id: `failed:${r.topic}/${r.partition}/${r.offset}`,
        from,
        ...(flow !== undefined ? { flow } : {}),
        stage: FAILED_BATCH_STAGE,
        errorClass: info.errorType ?? record.requestContext?.condition ?? '-',
        reason: info.errorMessage ?? record.requestContext?.condition ?? 'failed batch',
        source,
      };
      const key = bytes(r.key);
      const value = bytes(r.value);
      if (key === undefined || value === undefined) {
        letters.push({ ...base, notRedrivable: 'key or value is not valid base64' });
        continue;
      }
      const headers = headersAsBytes(r.headers as readonly KafkaEventHeader[] | null | undefined).filter(
        (h) => !h.key.startsWith(REDRIVE_HEADER_PREFIX),
      );
      letters.push({ ...base, message: { key, value, headers } });
    }
  }
  return letters;
};

const notAnInvocationRecord = (name: string, why: string): Letter => ({
  id: `object:${name}`,
  from: name,
  stage: FAILED_BATCH_STAGE,
  errorClass: '-',
  reason: 'unreadable failed-batch object',
  notRedrivable: why,
});

/**
 * The letters of one message of a Kafka on-failure destination (AWS's record format: the failure metadata, and
 * `payload` an event holding the one failed record), or undefined when the message is not one: then it is a
 * record as it was (an on-failure topic some other writer filled) and is redriven as it is.
 */
export const onFailureRecordLetters = (
  message: {
    readonly topic: string;
    readonly partition: number;
    readonly offset: number;
    readonly value: Buffer | null;
  },
  flowOf?: (functionName: string) => string | undefined,
): Letter[] | undefined => {
  const text = message.value?.toString('utf8');
  if (!text?.startsWith('{') || !text.includes('"KafkaBatchInfo"')) return undefined;
  const letters = failedBatchLetters(`${message.topic}/${message.partition}/${message.offset}`, text, flowOf);
  return letters.every((l) => l.message === undefined)
    ? undefined
    : letters.map((l) => ({ ...l, stage: ON_FAILURE_STAGE }));
};

export const ON_FAILURE_STAGE = 'on-failure';
