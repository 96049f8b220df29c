import { MetricName } from '../shared/metrics.ts';

/**
 * Where the runtime's embedded metrics land (shared/handler: Powertools Metrics with namespace "Sluice",
 * service = flow name, default dimension flow = flow name). CloudWatch identifies a metric by all of its
 * dimensions, so alarms and the dashboard ask for exactly that set.
 */
export const FlowMetrics = {
  namespace: 'Sluice',
  deadLettered: MetricName.RecordsDeadLettered,
  recordsIn: MetricName.RecordsIn,
  lateRecords: MetricName.LateRecords,
  dimensions: (flow: string) => ({ service: flow, flow }),
} as const;
