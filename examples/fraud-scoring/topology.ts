import { defineTopology } from '../../shared/index.ts';
import { lake, tables, topics } from './resources.ts';
import { flow as scorePayments } from './score-payments.ts';

/** The fraud-scoring example: `SLUICE_TOPOLOGY=examples/fraud-scoring/topology.ts` points the tools at it. */
export const topology = defineTopology({
  topics,
  tables,
  bucket: lake,
  flows: [scorePayments],
});
