import { EdgeKind, type GraphEdge, type GraphNode, NodeKind, type TopologyGraph } from './model.ts';
import { classOf, failureColour, palette } from './style.ts';

// Mermaid shapes: topics as stadiums, flows as boxes, stores as cylinders, on-failure destinations as flags.
const shapes: Record<NodeKind, readonly [string, string]> = {
  [NodeKind.Topic]: ['([', '])'],
  [NodeKind.Flow]: ['[', ']'],
  [NodeKind.Table]: ['[(', ')]'],
  [NodeKind.Bucket]: ['[(', ')]'],
  [NodeKind.Index]: ['[(', ')]'],
  [NodeKind.FailedBatches]: ['[(', ')]'],
  [NodeKind.Destination]: ['>', ']'],
  [NodeKind.Messaging]: ['[/', '/]'],
  [NodeKind.Endpoint]: ['{{', '}}'],
};

/**
 * Text inside a quoted Mermaid label: quotes, angle brackets, `&`, `#` and backticks as Mermaid entity codes, so a
 * filter like `amount < 10` or a name with `#` reads as written instead of breaking the diagram.
 */
export const mermaidText = (text: string): string => text.replace(/[#"<>&`]/g, (c) => `#${c.charCodeAt(0)};`);

const label = (lines: readonly string[]): string => `"${lines.map(mermaidText).join('<br/>')}"`;

const arrow = (edge: GraphEdge): string => {
  const solid = edge.kind === EdgeKind.Reads || edge.kind === EdgeKind.Writes;
  const line = solid ? '-->' : '-.->';
  return edge.label === undefined ? line : `${line}|${label([edge.label])}|`;
};

/** The graph as a Mermaid `flowchart LR` (GitHub renders it in a ```mermaid block). */
export const toMermaid = (graph: TopologyGraph): string => {
  const out = ['flowchart LR'];
  const node = (n: GraphNode) => {
    const [open, close] = shapes[n.kind];
    return `  ${n.id}${open}${label(n.lines)}${close}`;
  };
  out.push(...graph.nodes.map(node));
  out.push(...graph.edges.map((e) => `  ${e.from} ${arrow(e)} ${e.to}`));
  const failures = graph.edges.flatMap((e, i) =>
    e.kind === EdgeKind.DeadLetter || e.kind === EdgeKind.OnFailure ? [i] : [],
  );
  if (failures.length) out.push(`  linkStyle ${failures.join(',')} stroke:${failureColour}`);
  for (const [name, { fill, stroke }] of Object.entries(palette))
    out.push(`  classDef ${name} fill:${fill},stroke:${stroke}`);
  const byClass = new Map<string, string[]>();
  for (const n of graph.nodes) byClass.set(classOf[n.kind], [...(byClass.get(classOf[n.kind]) ?? []), n.id]);
  for (const [name, ids] of byClass) out.push(`  class ${ids.join(',')} ${name}`);
  return `${out.join('\n')}\n`;
};
