// batch-get.ts (which loads the DynamoDB SDK) is imported lazily by enrich; only its types are re-exported here.
export type { DynamoDbPort } from './batch-get.ts';
export { LookupCache, MISSING } from './cache.ts';
export { classifyDynamoDbError } from './dynamodb-errors.ts';
export { type Enriched, type EnrichOptions, enrich, Join, type KeySelector, OnMissing } from './enrich.ts';
