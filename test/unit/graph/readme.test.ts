import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topology } from '../../../functions/topology.ts';
import { renderings } from '../../../local/graph/generate.ts';
import { BEGIN_MARKER, currentBlock, END_MARKER, withBlock } from '../../../local/graph/readme.ts';
import { projectRoot } from '../../../local/services/paths.ts';
import { ConfigError } from '../../../shared/errors.ts';

describe("the README's topology diagram", () => {
  it('is the diagram functions/topology.ts generates now (else: npm run graph -- --write)', () => {
    // Prepare
    const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
    // Act
    const expected = renderings(topology).readmeBlock;
    // Assess
    expect(currentBlock(readme), 'README.md is out of date: run npm run graph -- --write').toBe(expected);
    expect(expected).toContain('```mermaid\nflowchart LR\n');
  });

  it('is replaced between the markers only, the text around them kept', () => {
    // Prepare
    const readme = `# Title\n\nbefore\n${BEGIN_MARKER}\nold\n${END_MARKER}\nafter\n`;
    // Act
    const updated = withBlock(readme, `${BEGIN_MARKER}\nnew\n${END_MARKER}`);
    // Assess
    expect(updated).toBe(`# Title\n\nbefore\n${BEGIN_MARKER}\nnew\n${END_MARKER}\nafter\n`);
  });

  it('needs both markers, in order: a README without them is a ConfigError naming the file', () => {
    // Act
    const missing = () => currentBlock(`${END_MARKER}\n${BEGIN_MARKER}`, 'docs/README.md');
    // Assess
    expect(missing).toThrow(ConfigError);
    expect(missing).toThrow(/^docs\/README\.md: needs the markers/);
  });
});
