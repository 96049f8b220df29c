import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { down, up } from '../../../local/services/manager.ts';
import { markerEnv } from '../../../local/services/marker.ts';
import { projectRoot } from '../../../local/services/paths.ts';
import { groupAlive, launchDetached } from '../../../local/services/process.ts';
import { readState, updateState } from '../../../local/services/state.ts';
import { statusOf, stopService } from '../../support/servers.ts';

/** Pids of this checkout's `server` in the process table, read with `ps` (environment shown by `e`). */
const inProcessTable = (server: string, checkout = projectRoot): number[] =>
  execFileSync('ps', ['axeww', '-o', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter(
      (words) => words.includes(`SLUICE_CHECKOUT=${checkout}`) && words.includes(`SLUICE_SERVER=${server}`),
    )
    .map((words) => Number(words[0]));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const until = async (what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
};

/** `npm run servers -- <args>` as a user runs it: its exit code and what it printed. */
const servers = (...args: string[]): { code: number | null; out: string } => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'local/cli.ts', ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  return { code: run.status, out: run.stdout };
};

describe('nothing left running', () => {
  it('stops a server whose restart was cut short (its starter killed before it was ready)', async () => {
    // Prepare: stop S3, then restart it from a process killed as soon as the server is launched, as a fault
    // test's worker is at its timeout.
    await stopService('s3');
    expect(inProcessTable('s3')).toEqual([]);
    const starter = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', "import('./local/services/manager.ts').then((m) => m.startService('s3'))"],
      { cwd: projectRoot, stdio: 'ignore' },
    );
    try {
      await until('the restarted S3 server in the process table', () => inProcessTable('s3').length > 0);
      starter.kill('SIGKILL');
      await until('the starter to exit', () => starter.exitCode !== null || starter.signalCode !== null);

      // Act
      await down(['s3']);

      // Assess
      expect(inProcessTable('s3')).toEqual([]);
    } finally {
      starter.kill('SIGKILL');
      await up(['s3']);
    }
    expect((await statusOf('s3')).healthy).toBe(true);
  });

  it('`servers down` finds and stops a process of this checkout the state file lost, and no other checkout’s', async () => {
    // Prepare: DynamoDB running while the state file says it is not (as a write over the file left it), and a
    // process marked as another checkout's DynamoDB.
    const running = readState().dynamodb;
    if (!running || !groupAlive(running.pid)) throw new Error('DynamoDB is not running');
    await updateState('dynamodb', { ...running, pid: -1 });
    const other = launchDetached(
      { command: 'sleep', args: ['120'], env: markerEnv('dynamodb', '/elsewhere/another-checkout/') },
      '/dev/null',
    );
    try {
      expect(inProcessTable('dynamodb')).toContain(running.pid);
      const status = servers('status', 'dynamodb');

      // Act
      const said = servers('down', 'dynamodb');

      // Assess
      expect(status.code).toBe(1);
      expect(status.out).toMatch(new RegExp(`dynamodb\\s+down[^]*not in .*state\\.json: pid ${running.pid}`));
      expect(said.out).toMatch(/dynamodb\s+stopped/);
      expect(inProcessTable('dynamodb')).toEqual([]);
      expect(groupAlive(running.pid)).toBe(false);
      expect(inProcessTable('dynamodb', '/elsewhere/another-checkout/')).toEqual([other]);
    } finally {
      if (groupAlive(other)) process.kill(-other, 'SIGKILL');
      await up(['dynamodb']);
    }
    expect((await statusOf('dynamodb')).healthy).toBe(true);
  });
});
