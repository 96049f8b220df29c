import { describe, expect, it } from 'vitest';
import { topology } from '../../../functions/topology.ts';
import { renderings } from '../../../local/graph/generate.ts';
import { GRAPHVIZ_HINT, hasDot, renderSvg } from '../../../local/graph/svg.ts';
import { MissingPrerequisiteError } from '../../../local/services/prerequisites.ts';

describe('the SVG rendering (Graphviz dot)', () => {
  it('draws every node and edge of the reference topology, labels included', () => {
    // Prepare: `npm run setup` installs Graphviz; without it this fails with the hint rather than skipping.
    expect(hasDot(), GRAPHVIZ_HINT).toBe(true);
    const { graph, dot } = renderings(topology);
    // Act
    const svg = renderSvg(dot);
    // Assess
    expect(svg).toMatch(/^<\?xml[\s\S]*<svg /);
    expect(svg.match(/<g id="node\d+" class="node">/g)).toHaveLength(graph.nodes.length);
    expect(svg.match(/<g id="edge\d+" class="edge">/g)).toHaveLength(graph.edges.length);
    for (const node of graph.nodes) expect(svg).toContain(`<title>${node.id}</title>`);
    // Graphviz versions differ in which characters they write as entities (2.43 writes `-` as `&#45;`).
    const text = svg.replaceAll('&#45;', '-');
    expect(text).toContain('>as customer · left join</text>');
    expect(text).toContain('>as product · inner join, misses dead-lettered</text>');
  });

  it('names what to install when dot is missing', () => {
    // Act
    const render = () => renderSvg('digraph {}', 'dot-that-is-not-installed');
    // Assess
    expect(render).toThrow(MissingPrerequisiteError);
    expect(render).toThrow(GRAPHVIZ_HINT);
    expect(GRAPHVIZ_HINT).toContain('apt-get install graphviz');
  });
});
