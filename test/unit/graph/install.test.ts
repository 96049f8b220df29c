import { describe, expect, it } from 'vitest';
import { ensureGraphviz, type GraphvizSetupOptions } from '../../../local/graph/install.ts';

/** setup's Graphviz step with its effects faked: what it ran and what it said. */
const setupWith = (
  options: Partial<GraphvizSetupOptions> & { exitCodes?: Record<string, number | null> },
) => {
  const ran: string[] = [];
  const said: string[] = [];
  let installed = false;
  const result = ensureGraphviz({
    log: (line) => said.push(line),
    run: (command, args) => {
      const line = `${command} ${args.join(' ')}`;
      ran.push(line);
      const code = Object.entries(options.exitCodes ?? {}).find(([part]) => line.includes(part))?.[1] ?? 0;
      if (line.includes('install graphviz') && code === 0) installed = true;
      return code;
    },
    dotPresent: () => installed,
    root: true,
    aptPresent: () => true,
    ...options,
  });
  return { result, ran, said };
};

describe('setup installs Graphviz for npm run graph -- --svg', () => {
  it('runs apt-get update, then installs graphviz, when dot is missing and it is root', () => {
    // Act
    const { result, ran, said } = setupWith({});
    // Assess
    expect(result).toBe('installed');
    expect(ran).toEqual(['apt-get -qq update', 'apt-get -qq -y --no-install-recommends install graphviz']);
    expect(said).toEqual(['setup: Graphviz (dot) installed with apt-get']);
  });

  it('does nothing when dot is already there', () => {
    // Act
    const { result, ran } = setupWith({ dotPresent: () => true });
    // Assess
    expect(result).toBe('present');
    expect(ran).toEqual([]);
  });

  it.each([
    [{ root: false }, 'not root', 0],
    [{ aptPresent: () => false }, 'no apt-get', 0],
    [{ exitCodes: { update: 100 } }, 'apt-get update failed', 1],
    [{ exitCodes: { 'install graphviz': 100 } }, 'apt-get install failed', 2],
  ] as const)('skips in one line, without failing setup, when %o (%s)', (options, why, commands) => {
    // Act
    const { result, ran, said } = setupWith(options);
    // Assess
    expect(result).toBe('skipped');
    expect(ran).toHaveLength(commands);
    expect(said).toEqual([
      `setup: Graphviz not installed (${why}): \`npm run graph -- --svg\` needs it; apt-get install graphviz`,
    ]);
  });
});
