import { spawn } from 'node:child_process';

export interface CliRun {
  readonly code: number | null;
  readonly output: string;
}

/**
 * Runs one of the project's entry points as `npm run` does (`node --import tsx <entry> ...args`), as a user
 * would: resolves to its exit code and what it printed (stdout and stderr, interleaved).
 */
export const runCli = (
  entry: string,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output += chunk.toString('utf8');
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('exit', (code) => resolve({ code, output }));
  });
