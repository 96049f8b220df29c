import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import pg from 'pg';
import { localDir, projectRoot } from './paths.ts';
import type { LaunchPlan, ServiceDefinition } from './service.ts';

/** The superuser initdb creates; its name is also the default database's, so the endpoint needs no path. */
export const PostgresLocal = { user: 'postgres' } as const;

const nobody = 65534;
const runningAsRoot = (): boolean => process.getuid?.() === 0;

/**
 * The newest PostgreSQL server from Debian's packages (`postgresql-NN`, installed by setup when missing), or
 * undefined. Debian puts each major version's programs in /usr/lib/postgresql/<NN>/bin, off the PATH.
 */
export const postgresBin = (root = '/usr/lib/postgresql'): string | undefined => {
  let versions: number[];
  try {
    versions = readdirSync(root)
      .map(Number)
      .filter((v) => Number.isInteger(v) && existsSync(join(root, String(v), 'bin', 'postgres')));
  } catch {
    return undefined;
  }
  const newest = Math.max(...versions);
  return Number.isFinite(newest) ? join(root, String(newest), 'bin') : undefined;
};

/** PostgreSQL refuses to run as root; as root it runs as `nobody`, like OpenSearch. */
const asServerUser = (command: string, args: readonly string[]): [string, string[]] =>
  runningAsRoot()
    ? ['setpriv', [`--reuid=${nobody}`, `--regid=${nobody}`, '--clear-groups', command, ...args]]
    : [command, [...args]];

const nobodyCanEnter = (path: string): boolean =>
  spawnSync('setpriv', [`--reuid=${nobody}`, `--regid=${nobody}`, '--clear-groups', 'test', '-x', path])
    .status === 0;

/** The data directory: under .local, or (root, and `nobody` cannot reach .local) under the temp dir, per checkout. */
const dataDir = (): string => {
  mkdirSync(localDir, { recursive: true });
  if (!runningAsRoot() || nobodyCanEnter(localDir)) return join(localDir, 'postgres', 'data');
  const key = `${basename(projectRoot)}-${createHash('sha256').update(projectRoot).digest('hex').slice(0, 12)}`;
  return join(tmpdir(), 'sluice-servers', key, 'postgres', 'data');
};

const chownTree = (path: string): void => {
  chownSync(path, nobody, nobody);
  for (const entry of readdirSync(path)) {
    const child = join(path, entry);
    if (statSync(child).isDirectory()) chownTree(child);
    else chownSync(child, nobody, nobody);
  }
};

/** initdb once: a trust-authenticated cluster whose superuser is `postgres`. */
const initialise = (bin: string, data: string): void => {
  if (existsSync(join(data, 'PG_VERSION'))) return;
  rmSync(data, { recursive: true, force: true });
  mkdirSync(data, { recursive: true, mode: 0o700 });
  if (runningAsRoot()) chownTree(join(data, '..'));
  const [command, args] = asServerUser(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    PostgresLocal.user,
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    rmSync(data, { recursive: true, force: true });
    throw new Error(`initdb failed: ${result.stderr || result.stdout || result.error?.message}`);
  }
};

/**
 * PostgreSQL from Debian's packages, in the foreground (`postgres -D`), on a free loopback port and no Unix
 * socket (Debian's socket directory belongs to its own cluster). Stopped by SIGINT, a fast shutdown that ends
 * open sessions: SIGTERM is a smart shutdown, which waits for every client to leave (its backends run in
 * process groups of their own, so the group's signal does not reach them).
 */
export const postgres: ServiceDefinition = {
  name: 'postgres',
  portNames: ['sql'],
  startTimeoutSeconds: 60,
  stopSignal: 'SIGINT',
  missing: () =>
    postgresBin()
      ? undefined
      : 'PostgreSQL is not installed (/usr/lib/postgresql/<version>/bin): run npm run setup (apt-get install postgresql)',
  async prepare(ports): Promise<LaunchPlan> {
    const bin = postgresBin() as string;
    const data = dataDir();
    initialise(bin, data);
    const settings = [
      `port=${ports.sql}`,
      'listen_addresses=127.0.0.1',
      'unix_socket_directories=',
      'max_connections=100',
      // A test server: durability is not what is tested here, and fsync costs the shared disk.
      'fsync=off',
      'synchronous_commit=off',
      'full_page_writes=off',
      'log_min_messages=warning',
    ];
    const [command, args] = asServerUser(join(bin, 'postgres'), [
      '-D',
      data,
      ...settings.flatMap((s) => ['-c', s]),
    ]);
    return { command, args };
  },
  endpoint: (ports) => `postgres://${PostgresLocal.user}@127.0.0.1:${ports.sql}`,
  async isReady(endpoint) {
    const client = new pg.Client({ connectionString: endpoint, connectionTimeoutMillis: 2_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      const result = await client.query('select 1 as ready');
      return result.rows[0]?.ready === 1;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  },
};
