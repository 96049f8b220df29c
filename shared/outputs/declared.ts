import type { Output } from './output.ts';

/**
 * What an output factory returns: data the CDK app reads for grants, plus `create()` for the runtime.
 * Mirrors the runtime engineer's `OutputSpec` (shared/outputs/spec.ts); kept here until that lands.
 */
export interface DeclaredOutput<K extends string, R> {
  readonly kind: K;
  readonly name: string;
  /** The flow's routing filter for this output, evaluated by the handler (a topology Filter). */
  readonly when?: unknown;
  readonly resources: R;
  create(): Output;
}

/**
 * An Output whose real implementation (and SDK client) is loaded on the first write, so importing a flow
 * file, or the topology in the CDK app, never loads an SDK. A failed load is retried on the next write.
 */
export const lazyOutput = (name: string, load: () => Promise<Output>): Output => {
  let loaded: Promise<Output> | undefined;
  const output = (): Promise<Output> => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
  return {
    name,
    write: async (records, context) => (await output()).write(records, context),
    close: async () => {
      if (loaded) await (await loaded).close?.();
    },
  };
};
