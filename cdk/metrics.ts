/**
 * Where the runtime's embedded metrics land. The flow construct sets the Powertools environment that puts
 * them there, and the alarms and dashboard read them back; both sides use these names.
 */
export const FlowMetrics = {
  namespace: 'Sluice',
  /** Powertools' default dimension: the service, which Sluice sets to the flow name. */
  serviceDimension: 'service',
  deadLettered: 'deadLettered',
  recordsIn: 'recordsIn',
} as const;
