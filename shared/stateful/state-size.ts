import { StepError } from '../errors.ts';

/**
 * What a window's accumulator and result (or a key's live sessions) may take as JSON, in UTF-8 bytes. DynamoDB
 * refuses an item over 400 KB; that refusal would fail the batch again on every retry, so a record that would
 * grow its state past this is dead-lettered instead, and the rest of the item (keys, fences, origins) keeps room.
 */
export const MAX_STATE_BYTES = 350_000;

/** The size of a state value as stored: its JSON in UTF-8 bytes. */
export const stateBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/** The error of a record whose fold would make its state too large to store (stage `step`, not retriable). */
export const stateTooLarge = (name: string, what: string, bytes: number): StepError =>
  new StepError(
    `${name}: ${what} would take ${bytes} bytes with this record, over ${MAX_STATE_BYTES} (a DynamoDB item holds at most 400 KB)`,
  );
