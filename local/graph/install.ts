import { spawnSync } from 'node:child_process';
import { hasDot } from './svg.ts';

export type GraphvizSetup = 'present' | 'installed' | 'skipped';

export interface GraphvizSetupOptions {
  /** Prints setup's one-line messages. @default console.log */
  readonly log?: (line: string) => void;
  /** Runs a command, inheriting stdio; returns its exit status (null when it could not start). */
  readonly run?: (command: string, args: readonly string[]) => number | null;
  /** Whether `dot` runs. @default hasDot */
  readonly dotPresent?: () => boolean;
  /** Whether this process is root (apt-get needs it). @default process.getuid() === 0 */
  readonly root?: boolean;
  /** Whether apt-get is on the PATH. @default runs `apt-get --version` */
  readonly aptPresent?: () => boolean;
}

const spawnRun = (command: string, args: readonly string[]): number | null =>
  spawnSync(command, [...args], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  }).status;

const aptOnPath = (): boolean => spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * Installs Graphviz (for `npm run graph -- --svg`) with apt-get when `dot` is missing. Never fails setup: without
 * root or apt-get, or when the install fails, it says so in one line and goes on (only `--svg` needs it).
 */
export const ensureGraphviz = (options: GraphvizSetupOptions = {}): GraphvizSetup => {
  const log = options.log ?? console.log;
  const run = options.run ?? spawnRun;
  const dotPresent = options.dotPresent ?? (() => hasDot());
  if (dotPresent()) {
    log('setup: Graphviz (dot) already installed');
    return 'present';
  }
  const root = options.root ?? process.getuid?.() === 0;
  const skip = (why: string): GraphvizSetup => {
    log(
      `setup: Graphviz not installed (${why}): \`npm run graph -- --svg\` needs it; apt-get install graphviz`,
    );
    return 'skipped';
  };
  if (!root) return skip('not root');
  if (!(options.aptPresent ?? aptOnPath)()) return skip('no apt-get');
  if (run('apt-get', ['-qq', 'update']) !== 0) return skip('apt-get update failed');
  if (run('apt-get', ['-qq', '-y', '--no-install-recommends', 'install', 'graphviz']) !== 0)
    return skip('apt-get install failed');
  if (!dotPresent()) return skip('dot still not found after apt-get install');
  log('setup: Graphviz (dot) installed with apt-get');
  return 'installed';
};
