import type { Filter } from '../filter/filter.ts';
import type { Loose } from '../steps/step.ts';
import type { Output } from './output.ts';
import type { OutputKind, OutputResources, OutputSpec } from './spec.ts';

/**
 * What an output factory returns: the shared OutputSpec plus the factory's own resource data for the CDK app.
 * @typeParam V - the record value type the output takes
 */
export type DeclaredOutput<K extends OutputKind, R extends OutputResources, V = Loose> = OutputSpec<K, V> & {
  readonly resources: R;
};

/** The `when` option: validated as a Filter by the topology, passed through here. */
export const whenOf = (when: unknown): { when?: Filter } =>
  when === undefined ? {} : { when: when as Filter };

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
