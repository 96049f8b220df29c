import { EdgeKind, type GraphEdge, type GraphNode, NodeKind, type TopologyGraph } from './model.ts';

// The same shapes and colours as the Mermaid rendering, in Graphviz's terms.
const nodeStyles: Record<NodeKind, string> = {
  [NodeKind.Topic]: 'shape=box, style="rounded,filled", fillcolor="#e0ecff", color="#4a6fa5"',
  [NodeKind.Flow]: 'shape=box, style=filled, fillcolor="#fff4d6", color="#b08a2e"',
  [NodeKind.Table]: 'shape=cylinder, style=filled, fillcolor="#e3f4e1", color="#4f8a4a"',
  [NodeKind.Bucket]: 'shape=cylinder, style=filled, fillcolor="#e3f4e1", color="#4f8a4a"',
  [NodeKind.Index]: 'shape=cylinder, style=filled, fillcolor="#e3f4e1", color="#4f8a4a"',
  [NodeKind.FailedBatches]: 'shape=cylinder, style=filled, fillcolor="#fde2e1", color="#b5473f"',
  [NodeKind.Destination]: 'shape=cds, style=filled, fillcolor="#fde2e1", color="#b5473f"',
};

const edgeStyles: Record<EdgeKind, string> = {
  [EdgeKind.Reads]: '',
  [EdgeKind.Writes]: '',
  [EdgeKind.Joins]: 'style=dashed',
  [EdgeKind.DeadLetter]: 'style=dashed, color="#b5473f", fontcolor="#b5473f"',
  [EdgeKind.OnFailure]: 'style=dotted, color="#b5473f", fontcolor="#b5473f"',
};

/** A DOT double-quoted string: backslashes and quotes escaped, lines joined by DOT's centred line break. */
export const dotString = (lines: readonly string[]): string =>
  `"${lines.map((l) => l.replace(/[\\"]/g, (c) => `\\${c}`)).join('\\n')}"`;

const node = (n: GraphNode): string => `  ${n.id} [label=${dotString(n.lines)}, ${nodeStyles[n.kind]}];`;

const edge = (e: GraphEdge): string => {
  const attrs = [e.label === undefined ? '' : `label=${dotString([e.label])}`, edgeStyles[e.kind]].filter(
    Boolean,
  );
  return `  ${e.from} -> ${e.to}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`;
};

/** The graph as Graphviz DOT, left to right like the Mermaid one: `dot -Tsvg` renders it. */
export const toDot = (graph: TopologyGraph): string =>
  [
    'digraph topology {',
    '  rankdir=LR;',
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
    ...graph.nodes.map(node),
    ...graph.edges.map(edge),
    '}',
    '',
  ].join('\n');
