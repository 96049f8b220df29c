import { EdgeKind, type GraphEdge, type GraphNode, NodeKind, type TopologyGraph } from './model.ts';
import { classOf, failureColour, palette } from './style.ts';

// Graphviz's shapes for what Mermaid draws as stadiums, boxes, cylinders and flags.
const shapes: Record<NodeKind, string> = {
  [NodeKind.Topic]: 'shape=box, style="rounded,filled"',
  [NodeKind.Flow]: 'shape=box, style=filled',
  [NodeKind.Table]: 'shape=cylinder, style=filled',
  [NodeKind.Bucket]: 'shape=cylinder, style=filled',
  [NodeKind.Index]: 'shape=cylinder, style=filled',
  [NodeKind.FailedBatches]: 'shape=cylinder, style=filled',
  [NodeKind.Destination]: 'shape=cds, style=filled',
  [NodeKind.Messaging]: 'shape=parallelogram, style=filled',
  [NodeKind.Endpoint]: 'shape=hexagon, style=filled',
};

const failure = `color="${failureColour}", fontcolor="${failureColour}"`;
const edgeStyles: Record<EdgeKind, string> = {
  [EdgeKind.Reads]: '',
  [EdgeKind.Writes]: '',
  [EdgeKind.Joins]: 'style=dashed',
  [EdgeKind.DeadLetter]: `style=dashed, ${failure}`,
  [EdgeKind.OnFailure]: `style=dotted, ${failure}`,
};

/** A DOT double-quoted string: backslashes and quotes escaped, lines joined by DOT's centred line break. */
export const dotString = (lines: readonly string[]): string =>
  `"${lines.map((l) => l.replace(/[\\"]/g, (c) => `\\${c}`)).join('\\n')}"`;

const node = (n: GraphNode): string => {
  const { fill, stroke } = palette[classOf[n.kind]];
  return `  ${n.id} [label=${dotString(n.lines)}, ${shapes[n.kind]}, fillcolor="${fill}", color="${stroke}"];`;
};

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
