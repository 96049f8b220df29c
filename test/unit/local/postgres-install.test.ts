import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresBin } from '../../../local/services/postgres.ts';
import { ensurePostgres, type PostgresSetupOptions } from '../../../local/services/postgres-install.ts';

/** setup's PostgreSQL step with its effects faked: what it ran and what it said. */
const setupWith = (options: Partial<PostgresSetupOptions> & { exitCodes?: Record<string, number> }) => {
  const ran: string[] = [];
  const said: string[] = [];
  let installed = false;
  let clusterSettings = 0;
  const run = () =>
    ensurePostgres({
      log: (line) => said.push(line),
      run: (command, args) => {
        const line = `${command} ${args.join(' ')}`;
        ran.push(line);
        const code = Object.entries(options.exitCodes ?? {}).find(([part]) => line.includes(part))?.[1] ?? 0;
        if (line.includes('install postgresql') && code === 0) installed = true;
        return code;
      },
      bin: () => (installed ? '/usr/lib/postgresql/15/bin' : undefined),
      root: true,
      noMainCluster: () => {
        clusterSettings += 1;
      },
      ...options,
    });
  return { run, ran, said, clusterSettings: () => clusterSettings };
};

describe('setup installs PostgreSQL from Debian packages for the local database server', () => {
  it('turns off the main cluster, runs apt-get update, then installs postgresql when it is missing', () => {
    // Prepare
    const setup = setupWith({});
    // Act
    const result = setup.run();
    // Assess
    expect(result).toBe('installed');
    expect(setup.clusterSettings()).toBe(1);
    expect(setup.ran).toEqual([
      'apt-get -qq update',
      'apt-get -qq -y --no-install-recommends install postgresql',
    ]);
    expect(setup.said).toEqual(['setup: PostgreSQL installed with apt-get (/usr/lib/postgresql/15/bin)']);
  });

  it('does nothing when a server is already installed', () => {
    // Prepare
    const setup = setupWith({ bin: () => '/usr/lib/postgresql/15/bin' });
    // Act
    const result = setup.run();
    // Assess
    expect(result).toBe('present');
    expect(setup.ran).toEqual([]);
  });

  it.each([
    [{ root: false }, 'not root, so setup cannot install it'],
    [{ exitCodes: { update: 100 } }, 'apt-get update failed'],
    [{ exitCodes: { 'install postgresql': 100 } }, 'apt-get install failed'],
  ])('fails setup naming the command to run when it cannot install (%j)', (options, why) => {
    // Prepare
    const setup = setupWith(options);
    // Act / Assess
    expect(setup.run).toThrow(
      `PostgreSQL is required for the local database server (${why}): apt-get install postgresql`,
    );
  });
});

describe('the local server runs the newest installed PostgreSQL major version', () => {
  it('picks the highest /usr/lib/postgresql/<version> that holds a postgres program', () => {
    // Prepare
    const root = mkdtempSync(join(tmpdir(), 'pg-bin-'));
    for (const version of ['13', '15', '16']) mkdirSync(join(root, version, 'bin'), { recursive: true });
    for (const version of ['13', '15']) writeFileSync(join(root, version, 'bin', 'postgres'), '');
    // Act
    const bin = postgresBin(root);
    // Assess: 16 has no server program (a client-only package), so 15 is the newest server.
    expect(bin).toBe(join(root, '15', 'bin'));
    expect(postgresBin(join(root, 'absent'))).toBeUndefined();
  });
});
