import type { Topology } from '../../shared/topology/topology.ts';
import { toDot } from './dot.ts';
import { toMermaid } from './mermaid.ts';
import { topologyGraph } from './model.ts';
import { readmeBlock } from './readme.ts';

/** The topology's Mermaid, DOT and README block, from one graph. */
export const renderings = (topology: Topology) => {
  const graph = topologyGraph(topology);
  const mermaid = toMermaid(graph);
  return { graph, mermaid, dot: toDot(graph), readmeBlock: readmeBlock(mermaid) };
};
