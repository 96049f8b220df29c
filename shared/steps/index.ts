export { type CleanseOptions, type CleanseRule, cleanse, OnInvalid } from './cleanse.ts';
export { type FilterOptions, filter } from './filter.ts';
export { type MapOptions, map } from './map.ts';
export { DROP, deadLetterOf, perRecordStep, stageOf, withValue } from './per-record.ts';
export { type RekeyOptions, rekey } from './rekey.ts';
export { type RouteOptions, route } from './route.ts';
export type { Loose, MetricsSink, Step, StepContext, StepPorts, StepResult } from './step.ts';
export { isStep } from './step.ts';
export { type ValidateOptions, validate } from './validate.ts';
