import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topology as fraudScoring } from '../../../examples/fraud-scoring/topology.ts';
import { topology } from '../../../functions/topology.ts';
import { renderings } from '../../../local/graph/generate.ts';
import { BEGIN_MARKER, END_MARKER } from '../../../local/graph/readme.ts';
import { projectRoot } from '../../../local/services/paths.ts';

/** `npm run graph -- <args>` as a user runs it: a process, its exit code and output. */
const graph = (args: string[], env: NodeJS.ProcessEnv = process.env) => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'local/tools/graph.ts', ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    env,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

const scratch = () => mkdtempSync(join(tmpdir(), 'sluice-graph-'));

// Each run starts node with tsx and loads the topology: seconds on a busy machine.
describe('npm run graph', { timeout: 30_000 }, () => {
  it('prints the Mermaid flowchart of functions/topology.ts', () => {
    // Act
    const { code, stdout } = graph([]);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toBe(renderings(topology).mermaid);
  });

  it('--write brings a stale diagram up to date, and --check tells the two apart', () => {
    // Prepare
    const readme = join(scratch(), 'README.md');
    writeFileSync(readme, `# Doc\n${BEGIN_MARKER}\nstale\n${END_MARKER}\nend\n`);
    // Act
    const before = graph(['--check', '--readme', readme]);
    const write = graph(['--write', '--readme', readme]);
    const after = graph(['--check', '--readme', readme]);
    // Assess
    expect(before).toMatchObject({ code: 1, stdout: expect.stringContaining('out of date') });
    expect(write.code).toBe(0);
    expect(readFileSync(readme, 'utf8')).toBe(`# Doc\n${renderings(topology).readmeBlock}\nend\n`);
    expect(after).toMatchObject({ code: 0, stdout: expect.stringContaining('is current') });
  });

  it('--svg writes the SVG to the file named', () => {
    // Prepare
    const file = join(scratch(), 'topology.svg');
    // Act
    const { code, stdout } = graph(['--svg', file]);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toBe(`wrote ${file}\n`);
    expect(readFileSync(file, 'utf8')).toContain('<title>flow_enrich_reviews</title>');
  });

  it('--svg without Graphviz exits 1 naming what to install', () => {
    // Prepare: a PATH where no dot can be found
    const env = { ...process.env, PATH: scratch() };
    // Act
    const { code, stderr } = graph(['--svg', join(scratch(), 'topology.svg')], env);
    // Assess
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(/^graph: Graphviz `dot` is needed .*apt-get install graphviz`$/);
  });

  it('prints the topology SLUICE_TOPOLOGY names instead', () => {
    // Act
    const { code, stdout } = graph([], {
      ...process.env,
      SLUICE_TOPOLOGY: 'examples/fraud-scoring/topology.ts',
    });
    // Assess
    expect(code).toBe(0);
    expect(stdout).toBe(renderings(fraudScoring).mermaid);
  });

  it('keeps README.md for the reference diagram: --check with SLUICE_TOPOLOGY and no --readme exits 2', () => {
    // Act
    const { code, stderr } = graph(['--check'], {
      ...process.env,
      SLUICE_TOPOLOGY: 'examples/fraud-scoring/topology.ts',
    });
    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain("--write and --check keep README.md's reference diagram");
  });

  it('exits 1 naming SLUICE_TOPOLOGY when it names no file', () => {
    // Act
    const { code, stderr } = graph([], { ...process.env, SLUICE_TOPOLOGY: 'examples/nope.ts' });
    // Assess
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(/^graph: SLUICE_TOPOLOGY=examples\/nope\.ts: no such file/);
  });

  it('exits 2 with the usage on an unknown option', () => {
    // Act
    const { code, stderr } = graph(['--png']);
    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--png'");
    expect(stderr).toContain('usage: npm run graph');
  });
});
