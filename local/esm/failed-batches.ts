import { createHash, randomUUID } from 'node:crypto';

/** The local counterpart of the failed-batches bucket the CDK app creates (moto S3 server). */
export const localFailedBatchesBucket = 'sluice-failed-batches';

/**
 * A stable stand-in for the mapping's UUID (AWS assigns one per event-source mapping): a UUID-shaped digest of
 * the function and topic, so a flow's failed batches land under the same prefix on every run.
 */
export const localMappingUuid = (functionName: string, topic: string): string => {
  const hex = createHash('sha256').update(`${functionName}\n${topic}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

const two = (n: number) => String(n).padStart(2, '0');

/**
 * AWS's object key for an S3 on-failure destination: `aws/lambda/<ESM-UUID>/<shard>/YYYY/MM/DD/
 * YYYY-MM-DDTHH.MM.SS-<random UUID>` (UTC), with the Kafka `topic-partition` as the shard.
 */
export const failedBatchKey = (
  mappingUuid: string,
  topic: string,
  partition: number,
  at: Date,
  random: string = randomUUID(),
): string => {
  const day = `${at.getUTCFullYear()}/${two(at.getUTCMonth() + 1)}/${two(at.getUTCDate())}`;
  const stamp = `${at.getUTCFullYear()}-${two(at.getUTCMonth() + 1)}-${two(at.getUTCDate())}T${two(at.getUTCHours())}.${two(at.getUTCMinutes())}.${two(at.getUTCSeconds())}`;
  return `aws/lambda/${mappingUuid}/${topic}-${partition}/${day}/${stamp}-${random}`;
};
