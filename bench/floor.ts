/**
 * The runtime floor every throughput benchmark compares against, in the same run: what any JSON flow must do
 * per record at least (base64 decode of the value, JSON.parse, JSON.stringify). Returns the bytes written, so
 * the work cannot be optimised away.
 */
import type { KafkaEvent } from '../shared/decode/event.ts';

export const floor = (events: readonly KafkaEvent[]): number => {
  let bytes = 0;
  for (const event of events)
    for (const group of Object.values(event.records ?? {}))
      for (const r of group)
        bytes += JSON.stringify(JSON.parse(Buffer.from(r.value as string, 'base64').toString('utf8'))).length;
  return bytes;
};

/** Seconds `fn` took, awaited. */
export const timed = async (fn: () => unknown): Promise<number> => {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e9;
};
