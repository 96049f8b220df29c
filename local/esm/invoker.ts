import type { FunctionPool } from '../lambda/pool.ts';
import type { InvocationOutcome } from './deliver.ts';
import { buildEventJson, type EventSourceIdentity, type FetchedRecord, MAX_PAYLOAD_BYTES } from './event.ts';

/** Turns a batch into the Lambda event and invokes the function's execution environments with it. */
export const poolInvoker =
  (pool: FunctionPool, identity: EventSourceIdentity) =>
  async (records: readonly FetchedRecord[]): Promise<InvocationOutcome> => {
    const event = buildEventJson(identity, records);
    const bytes = Buffer.byteLength(event);
    if (bytes > MAX_PAYLOAD_BYTES) {
      // Lambda refuses the request before any code runs.
      return {
        ok: false,
        invokeError: true,
        errorType: 'RequestEntityTooLargeException',
        errorMessage: `Request must be smaller than ${MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation (was ${bytes})`,
      };
    }
    const result = await pool.invokeJson(event);
    return result.ok
      ? { ok: true, payload: result.payload }
      : { ok: false, errorType: result.errorType, errorMessage: result.errorMessage };
  };
