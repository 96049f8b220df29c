import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { dynamodb } from './dynamodb.ts';
import { elasticmq } from './elasticmq.ts';
import { kafka } from './kafka.ts';
import { withServiceLock } from './lock.ts';
import { markedProcesses, markerEnv, stopMarked } from './marker.ts';
import { opensearch } from './opensearch.ts';
import { logsDir } from './paths.ts';
import { choosePorts } from './ports.ts';
import { postgres } from './postgres.ts';
import { groupAlive, launchDetached, stopGroup, tail } from './process.ts';
import { s3 } from './s3.ts';
import type { ServiceDefinition } from './service.ts';
import {
  defaultServiceNames,
  readState,
  type ServiceName,
  type ServiceState,
  serviceNames,
  updateState,
} from './state.ts';

export const services: Readonly<Record<ServiceName, ServiceDefinition>> = {
  kafka,
  dynamodb,
  opensearch,
  s3,
  postgres,
  elasticmq,
};

export class ServiceStartError extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ServiceStatus {
  readonly name: ServiceName;
  readonly healthy: boolean;
  readonly state?: ServiceState;
}

export const statusOf = async (name: ServiceName): Promise<ServiceStatus> => {
  const state = readState()[name];
  if (!state || !groupAlive(state.pid)) return { name, healthy: false };
  return { name, healthy: await services[name].isReady(state.endpoint), state };
};

/** Starts one server, or reuses it when it is already running and answering. Ready means a protocol answer. */
export const startService = (name: ServiceName): Promise<{ state: ServiceState; reused: boolean }> =>
  withServiceLock(name, () => startUnlocked(name));

const startUnlocked = async (name: ServiceName): Promise<{ state: ServiceState; reused: boolean }> => {
  const current = await statusOf(name);
  if (current.healthy && current.state) return { state: current.state, reused: true };
  const definition = services[name];
  // Whatever is left of an earlier start (recorded or not) goes first: never two of one server.
  await stopEvery(name, current.state);
  const missing = definition.missing();
  if (missing) throw new ServiceStartError(missing);

  const ports = await choosePorts(definition.portNames, readState()[name]?.ports);
  mkdirSync(logsDir, { recursive: true });
  const log = join(logsDir, `${name}.log`);
  const plan = await definition.prepare(ports);
  const startedAt = Date.now();
  const pid = launchDetached({ ...plan, env: { ...plan.env, ...markerEnv(name) } }, log);
  const endpoint = definition.endpoint(ports);
  const launched = { pid, ports, endpoint, startedAt: new Date(startedAt).toISOString(), readyMs: -1, log };
  // Recorded at once: a starter killed while waiting (a fault test's worker at its timeout) leaves it findable.
  await updateState(name, launched);
  const deadline = startedAt + definition.startTimeoutSeconds * 1000;
  while (!(await definition.isReady(endpoint))) {
    if (!groupAlive(pid))
      throw new ServiceStartError(`${name} exited while starting; last lines of ${log}:\n${tail(log)}`);
    if (Date.now() > deadline) {
      await stopGroup(pid, 5000, definition.stopSignal);
      throw new ServiceStartError(
        `${name} not ready after ${definition.startTimeoutSeconds}s; see ${log}:\n${tail(log)}`,
      );
    }
    await sleep(200);
  }
  const state: ServiceState = { ...launched, readyMs: Date.now() - startedAt };
  await updateState(name, state);
  return { state, reused: false };
};

export const stopService = (name: ServiceName): Promise<'stopped' | 'killed' | 'not-running'> =>
  withServiceLock(name, () => stopUnlocked(name));

type StopOutcome = 'stopped' | 'killed' | 'not-running';

/** The recorded process group and every process marked as this server of this checkout, whatever the state says. */
const stopEvery = async (name: ServiceName, state: ServiceState | undefined): Promise<StopOutcome> => {
  const signal = services[name].stopSignal;
  const outcomes = [
    state && state.pid > 0 ? await stopGroup(state.pid, undefined, signal) : 'not-running',
    ...(await stopMarked(name, undefined, signal)),
  ];
  return outcomes.includes('killed') ? 'killed' : outcomes.includes('stopped') ? 'stopped' : 'not-running';
};

const stopUnlocked = async (name: ServiceName): Promise<StopOutcome> => {
  const state = readState()[name];
  const outcome = await stopEvery(name, state);
  // Keep the ports so a restart comes back where clients expect it; forget the pid.
  if (state) await updateState(name, { ...state, pid: -1 });
  return outcome;
};

/** Processes of this checkout's `name` server that the state file does not name (what `down` would stop too). */
export const unrecordedProcesses = (name: ServiceName): number[] => {
  const recorded = readState()[name]?.pid ?? -1;
  return markedProcesses(name)
    .filter((p) => p.pgid !== recorded)
    .map((p) => p.pid);
};

export const resolveNames = (names: readonly string[]): ServiceName[] => {
  if (names.length === 0) return [...defaultServiceNames];
  for (const name of names) {
    if (!(serviceNames as readonly string[]).includes(name)) {
      throw new ServiceStartError(`unknown server "${name}"; expected one of: ${serviceNames.join(', ')}`);
    }
  }
  return names as ServiceName[];
};

/** Starts servers in parallel (the JVMs dominate start time; dynalite and moto are quick). */
export const up = async (names: readonly ServiceName[] = defaultServiceNames) => {
  const results = await Promise.allSettled(names.map((name) => startService(name)));
  const failures = results.flatMap((r) =>
    r.status === 'rejected' ? [String((r.reason as Error).message)] : [],
  );
  if (failures.length > 0) {
    // Leave nothing behind: stop what this call started before reporting why the rest did not start.
    const started = names.filter((_, i) => {
      const r = results[i];
      return r?.status === 'fulfilled' && !r.value.reused;
    });
    await Promise.allSettled(started.map((name) => stopService(name)));
    throw new ServiceStartError(failures.join('\n'));
  }
  return names.map((name, i) => ({
    name,
    ...(results[i] as PromiseFulfilledResult<{ state: ServiceState; reused: boolean }>).value,
  }));
};

export const down = async (names: readonly ServiceName[] = serviceNames) =>
  Promise.all(names.map(async (name) => ({ name, outcome: await stopService(name) })));
