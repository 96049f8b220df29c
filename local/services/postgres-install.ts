import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { postgresBin } from './postgres.ts';
import { MissingPrerequisiteError } from './prerequisites.ts';

export interface PostgresSetupOptions {
  /** Prints setup's one-line messages. @default console.log */
  readonly log?: (line: string) => void;
  /** Runs a command, inheriting stdio; returns its exit status (null when it could not start). */
  readonly run?: (command: string, args: readonly string[]) => number | null;
  /** Where the server's programs are, if installed. @default postgresBin */
  readonly bin?: () => string | undefined;
  /** Whether this process is root (apt-get needs it). @default process.getuid() === 0 */
  readonly root?: boolean;
  /** Writes postgresql-common's cluster settings before the install. @default writes /etc/postgresql-common/createcluster.conf when absent */
  readonly noMainCluster?: () => void;
}

const spawnRun = (command: string, args: readonly string[]): number | null =>
  spawnSync(command, [...args], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  }).status;

/** Debian's package would otherwise create and start a `main` cluster on port 5432 that nothing here uses. */
const writeNoMainCluster = (): void => {
  const file = '/etc/postgresql-common/createcluster.conf';
  if (existsSync(file)) return;
  mkdirSync('/etc/postgresql-common', { recursive: true });
  writeFileSync(file, 'create_main_cluster = false\n');
};

/**
 * Installs PostgreSQL's server from Debian's packages (`apt-get install postgresql`) when no
 * /usr/lib/postgresql/<version>/bin/postgres exists. The local server and the integration tests need it, so
 * unlike Graphviz a failure fails setup, naming the command to run.
 */
export const ensurePostgres = (options: PostgresSetupOptions = {}): 'present' | 'installed' => {
  const log = options.log ?? console.log;
  const bin = options.bin ?? postgresBin;
  const present = bin();
  if (present) {
    log(`setup: PostgreSQL already installed (${present})`);
    return 'present';
  }
  const fail = (why: string): never => {
    throw new MissingPrerequisiteError(
      `PostgreSQL is required for the local database server (${why}): apt-get install postgresql`,
    );
  };
  if (!(options.root ?? process.getuid?.() === 0)) return fail('not root, so setup cannot install it');
  const run = options.run ?? spawnRun;
  (options.noMainCluster ?? writeNoMainCluster)();
  if (run('apt-get', ['-qq', 'update']) !== 0) return fail('apt-get update failed');
  if (run('apt-get', ['-qq', '-y', '--no-install-recommends', 'install', 'postgresql']) !== 0)
    return fail('apt-get install failed');
  const installed = bin();
  if (!installed) return fail('still not found after apt-get install');
  log(`setup: PostgreSQL installed with apt-get (${installed})`);
  return 'installed';
};
