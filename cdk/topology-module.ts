import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../shared/errors.ts';
import type { Topology } from '../shared/topology/index.ts';
import { projectRoot } from './bundling.ts';

/** The environment variable that points the CDK app and the local tools at another topology module. */
export const TOPOLOGY_ENV = 'SLUICE_TOPOLOGY';

/** The reference topology, used when `SLUICE_TOPOLOGY` is not set. */
export const referenceTopologyModule = join(projectRoot, 'functions', 'topology.ts');

/** A topology module, loaded and checked: what the CDK app and the local tools read. */
export interface TopologyModule {
  readonly topology: Topology;
  /** The module's absolute path. */
  readonly path: string;
  /** Where each flow's own file, `<flow name>.ts` (its bundle entry), lives: the module's folder. */
  readonly functionsDir: string;
  /** Sample events next to the module: `events/` beside it (`events/` of the repository for the reference). */
  readonly eventsDir: string;
  /** True for `functions/topology.ts`, whose sample events `npm start` checks its outputs against. */
  readonly reference: boolean;
}

const isTopology = (value: unknown): value is Topology =>
  typeof value === 'object' &&
  value !== null &&
  Array.isArray((value as Topology).flows) &&
  typeof (value as Topology).flow === 'function';

/**
 * Loads the topology module named by `SLUICE_TOPOLOGY` (a path from the repository root, or absolute), else
 * `functions/topology.ts`. The module exports `topology` (`defineTopology(…)`) and sits in the folder holding
 * each flow's file, `<flow name>.ts`, as `functions/` does. A wrong path, a missing export or a missing flow
 * file is a ConfigError naming `SLUICE_TOPOLOGY` and what is wrong, before anything starts.
 */
export const loadTopologyModule = async (
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<TopologyModule> => {
  const named = env[TOPOLOGY_ENV]?.trim();
  const path = named ? (isAbsolute(named) ? named : resolve(projectRoot, named)) : referenceTopologyModule;
  const at = named ? `${TOPOLOGY_ENV}=${named}` : relative(projectRoot, path);
  if (!existsSync(path)) throw new ConfigError(at, `no such file (${path})`);
  if (!/\.[cm]?[jt]s$/.test(path)) throw new ConfigError(at, 'must be a .ts or .js module');
  const exported = ((await import(pathToFileURL(path).href)) as { topology?: unknown }).topology;
  if (!isTopology(exported))
    throw new ConfigError(at, 'must export `topology`, made with defineTopology({ topics, flows, … })');
  const functionsDir = dirname(path);
  for (const flow of exported.flows) {
    const entry = join(functionsDir, `${flow.name}.ts`);
    if (!existsSync(entry))
      throw new ConfigError(
        `${at}: flows.${flow.name}`,
        `its file ${relative(projectRoot, entry)} (the function's entry, exporting flow and handler) does not exist`,
      );
  }
  const reference = path === referenceTopologyModule;
  return {
    topology: exported,
    path,
    functionsDir,
    eventsDir: reference ? join(projectRoot, 'events') : join(functionsDir, 'events'),
    reference,
  };
};
