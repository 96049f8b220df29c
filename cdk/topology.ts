import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../shared/errors.ts';
import type { TableOutputSpec } from '../shared/outputs/table.ts';
import { CdcAttribute } from '../shared/outputs/table-items.ts';
import { StateAttribute } from '../shared/stateful/state-keys.ts';
import type { Flow, Topology } from '../shared/topology/index.ts';
import { projectRoot } from './bundling.ts';

/**
 * What the CDK app derives from the runtime's validated topology (`shared/topology`), which it reads directly:
 * nothing here re-declares or re-checks a flow. Only what is the app's own: bundle entries and the mapping's
 * view of a flow's settings.
 */

/** The default folder of flow files: `functions/` in the repository. */
export const defaultFunctionsDir = join(projectRoot, 'functions');

/**
 * Each flow's bundle entry, `<functionsDir>/<flow name>.ts` (its declaration and handler), which must exist.
 * Resolved before any stack is built, so a missing file fails synth with the flow's path.
 */
export const flowEntries = (topology: Topology, functionsDir = defaultFunctionsDir): Map<string, string> =>
  new Map(
    topology.flows.map((flow) => {
      const entry = join(functionsDir, `${flow.name}.ts`);
      if (!existsSync(entry)) {
        throw new ConfigError(
          `flows.${flow.name}`,
          `its file ${entry} (the function's entry) does not exist`,
        );
      }
      return [flow.name, entry];
    }),
  );

/**
 * Tables a change stream loads (`toTable(…, { cdc })`), each with the TTL attribute its delete markers carry:
 * the table's TimeToLiveSpecification, so markers do not pile up for good.
 */
export const expiringTablesOf = (topology: Topology): Map<string, string> =>
  new Map(
    topology.flows.flatMap((flow) => [
      ...flow.outputs.flatMap((output) =>
        output.kind === 'table' && (output as TableOutputSpec).plan?.cdc
          ? [[(output as TableOutputSpec).plan.table, CdcAttribute.Expires] as const]
          : [],
      ),
      // State tables' windows expire after end + grace + retention, on the same attribute.
      ...stateTablesOf(flow).map(({ table }) => [table, StateAttribute.Expires] as const),
    ]),
  );

/**
 * The tables a flow's stateful steps keep state in, each with the partition keys its items may have (the
 * grant's `dynamodb:LeadingKeys`; undefined when a step does not say, so the whole table).
 */
export const stateTablesOf = (
  flow: Flow,
): { table: string; step: string; kind: string; keys?: readonly string[] }[] =>
  flow.steps.flatMap((step) =>
    (step.keepsStateIn ?? []).map((t) => ({
      table: t.name,
      step: step.name,
      kind: step.kind,
      ...(step.stateKeys ? { keys: step.stateKeys } : {}),
    })),
  );

/** Pushed-down FilterCriteria patterns (ORed); empty when the flow's filter runs in-process only. */
export const filterPatternsOf = (flow: Flow): string[] =>
  flow.source.pushdown?.pushable ? flow.source.pushdown.criteria.Filters.map((f) => f.Pattern) : [];

/** `StartingPositionTimestamp`: the runtime keeps epoch milliseconds, the mapping takes seconds. */
export const startingTimestampOf = (flow: Flow): number | undefined =>
  flow.source.startingPositionTimestamp === undefined
    ? undefined
    : Math.floor(flow.source.startingPositionTimestamp / 1000);

/** The tables a flow's `enrich` steps read, by name. */
export const lookupsOf = (flow: Flow): string[] => flow.readsTables.map((t) => t.name);

/**
 * Topic outputs may set their own Kafka auth; IAM auth exists only on MSK. The one check that needs the deploy
 * settings (the cluster kind), so it runs when the app is built, before any stack.
 */
export const checkKafkaAuth = (topology: Topology, kafkaIam: boolean): void => {
  if (kafkaIam) return;
  for (const flow of topology.flows) {
    flow.outputs.forEach((output, i) => {
      if (output.resources.auth === 'iam') {
        throw new ConfigError(
          `flows.${flow.name}.outputs[${i}].auth`,
          'IAM auth needs an MSK cluster; this app targets self-managed Kafka',
        );
      }
    });
  }
};
