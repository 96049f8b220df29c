import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { withServiceLock } from './lock.ts';
import { localDir, stateFile } from './paths.ts';

export const serviceNames = ['kafka', 'dynamodb', 'opensearch', 's3', 'postgres', 'elasticmq'] as const;
export type ServiceName = (typeof serviceNames)[number];
/**
 * What `up()` starts when no server is named: all but ElasticMQ, which only the outputs benchmark's SQS key uses
 * (the flows and tests use moto's SQS).
 */
export const defaultServiceNames: readonly ServiceName[] = serviceNames.filter((n) => n !== 'elasticmq');

/** What one running server left behind: how to reach it and how to stop it. */
export interface ServiceState {
  readonly pid: number;
  readonly ports: Readonly<Record<string, number>>;
  readonly endpoint: string;
  readonly startedAt: string;
  readonly readyMs: number;
  readonly log: string;
}

export type LocalState = Partial<Record<ServiceName, ServiceState>>;

export const readState = (): LocalState => {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as LocalState;
  } catch {
    return {};
  }
};

/**
 * Read-modify-write under a lock of its own, so two processes updating different servers never write over each
 * other's entry (a lost entry leaves a running server unrecorded); an atomic rename, so a reader never sees half
 * a file.
 */
export const updateState = (name: ServiceName, value: ServiceState | undefined): Promise<LocalState> =>
  withServiceLock('state', async () => {
    const state = { ...readState(), [name]: value };
    if (value === undefined) delete state[name];
    mkdirSync(localDir, { recursive: true });
    const tmp = `${stateFile}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(tmp, stateFile);
    return state;
  });
