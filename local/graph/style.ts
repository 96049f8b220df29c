import { NodeKind } from './model.ts';

/** What a node is drawn as, in both renderers: its colour class. */
export const NodeClass = { Topic: 'topic', Flow: 'flow', Store: 'store', Failure: 'failure' } as const;
export type NodeClass = (typeof NodeClass)[keyof typeof NodeClass];

export const classOf: Record<NodeKind, NodeClass> = {
  [NodeKind.Topic]: NodeClass.Topic,
  [NodeKind.Flow]: NodeClass.Flow,
  [NodeKind.Table]: NodeClass.Store,
  [NodeKind.Bucket]: NodeClass.Store,
  [NodeKind.Index]: NodeClass.Store,
  [NodeKind.FailedBatches]: NodeClass.Failure,
  [NodeKind.Destination]: NodeClass.Failure,
  [NodeKind.Messaging]: NodeClass.Store,
  [NodeKind.Endpoint]: NodeClass.Store,
};

/** One palette, so the README's Mermaid and the SVG look alike. */
export const palette: Record<NodeClass, { readonly fill: string; readonly stroke: string }> = {
  topic: { fill: '#e0ecff', stroke: '#4a6fa5' },
  flow: { fill: '#fff4d6', stroke: '#b08a2e' },
  store: { fill: '#e3f4e1', stroke: '#4f8a4a' },
  failure: { fill: '#fde2e1', stroke: '#b5473f' },
};

/** Dead-letter and on-failure edges. */
export const failureColour = palette.failure.stroke;
