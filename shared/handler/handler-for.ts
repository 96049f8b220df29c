import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { KafkaBatchResponse } from '../batch-response.ts';
import type { KafkaEvent } from '../decode/event.ts';
import type { Output } from '../outputs/output.ts';
import type { OutputSpec } from '../outputs/spec.ts';
import type { StepPorts } from '../steps/step.ts';
import type { Flow } from '../topology/flow.ts';
import { emitBatchMetrics } from './emit-metrics.ts';
import { BatchFailedError, type BatchSummary, runBatch } from './run-batch.ts';

export interface HandlerOptions {
  /** Injected effects (tests, the benchmark); steps create their defaults otherwise. */
  readonly ports?: StepPorts;
  /**
   * The Output for an output spec, instead of `spec.create()` (the flow test kit's in-memory outputs). Called once
   * per spec, on its first batch.
   * @default spec.create()
   */
  readonly createOutput?: (spec: OutputSpec) => Output;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly now?: () => number;
}

export type FlowHandler = (event: KafkaEvent, context: Context) => Promise<KafkaBatchResponse | undefined>;

/** Flattens the summary for the log line: offset ranges as "first-last" per partition. */
const logFields = (summary: BatchSummary) => ({
  flow: summary.flow,
  topic: summary.topic,
  partitions: summary.partitions.map((p) => ({
    partition: p.id,
    offsets: `${p.firstOffset}-${p.lastOffset}`,
    count: p.count,
  })),
  recordsIn: summary.recordsIn,
  filtered: summary.filtered,
  deadLettered: summary.deadLettered,
  ...(summary.deadLettered > 0 ? { deadLettersByStage: summary.deadLettersByStage } : {}),
  out: summary.out,
  failed: summary.failed,
  counters: summary.counters,
  durationMs: summary.durationMs,
  maxRecordAgeMs: summary.maxRecordAgeMs,
});

/**
 * Per invocation, the request id and whether the environment is cold, on every line: Powertools' own
 * `injectLambdaContext` also adds the function's name, ARN, memory and sampling rate, which the log group and the
 * REPORT line already say, ~200 bytes per batch in what is the largest cost line (bench/cost). It is also never
 * asked to log the event (POWERTOOLS_LOGGER_LOG_EVENT would log record contents).
 */
const invocationKeys = (logger: Logger): middy.MiddlewareObj<KafkaEvent, unknown, Error, Context> => {
  // Powertools' rule: only an on-demand environment has a cold start (provisioned ones were warmed).
  let cold = process.env.AWS_LAMBDA_INITIALIZATION_TYPE?.trim() === 'on-demand';
  return {
    before: (request) => {
      logger.appendKeys({ cold_start: cold, function_request_id: request.context?.awsRequestId });
      cold = false;
    },
  };
};

/**
 * The Lambda handler of a flow: `export const handler = handlerFor(flow)`. Everything that should outlive an
 * invocation (outputs and their clients, Logger, Metrics) is created here or lazily on first use, once per
 * execution environment. Each batch logs exactly one summary line (debug; warn when it dead-lettered records or
 * partly failed; error when it failed) and flushes its EMF metrics; records are never logged.
 */
export const handlerFor = (flow: Flow, options: HandlerOptions = {}): FlowHandler => {
  const logger = options.logger ?? new Logger({ serviceName: flow.name });
  const metrics =
    options.metrics ??
    new Metrics({ namespace: 'Sluice', serviceName: flow.name, defaultDimensions: { flow: flow.name } });
  const outputs = new Map<OutputSpec, Output>();
  const outputFor = (spec: OutputSpec): Output => {
    let output = outputs.get(spec);
    if (output === undefined) {
      output = options.createOutput ? options.createOutput(spec) : spec.create();
      outputs.set(spec, output);
    }
    return output;
  };
  const now = options.now ?? Date.now;
  const ports = options.ports ?? {};

  const process = async (event: KafkaEvent, context: Context): Promise<KafkaBatchResponse | undefined> => {
    const remainingMs =
      typeof context?.getRemainingTimeInMillis === 'function'
        ? () => context.getRemainingTimeInMillis()
        : undefined;
    try {
      const outcome = await runBatch(flow, event, {
        outputFor,
        ports,
        now,
        ...(remainingMs ? { remainingMs } : {}),
      });
      emitBatchMetrics(metrics, outcome.summary);
      const failures = outcome.response?.batchItemFailures ?? [];
      if (failures.length > 0) {
        logger.warn('batch partly failed; partitions resume at the reported offsets', {
          ...logFields(outcome.summary),
          batchItemFailures: failures.map((f) => `${f.itemIdentifier.partition}@${f.itemIdentifier.offset}`),
        });
      } else if (outcome.summary.deadLettered > 0) {
        // Dead letters stay findable at the default level: which partitions and offsets, and by stage.
        logger.warn('batch', logFields(outcome.summary));
      } else {
        // A clean batch's line is DEBUG: its counts are in the EMF metrics, and at one line per batch it was the
        // largest log cost (bench/cost). Lambda's application log level DEBUG shows it.
        logger.debug('batch', logFields(outcome.summary));
      }
      return outcome.response;
    } catch (error) {
      if (error instanceof BatchFailedError) {
        emitBatchMetrics(metrics, error.summary);
        logger.error(
          error.retriable
            ? 'batch failed; it will be retried'
            : 'batch failed: not retriable, fix and redeploy',
          {
            ...logFields(error.summary),
            error: error.cause,
          },
        );
        // The invocation fails with the original error, so Lambda reports its class (ConfigError, RetriableError).
        throw error.cause;
      }
      logger.error('batch failed', { flow: flow.name, error });
      throw error;
    }
  };

  return middy<KafkaEvent, KafkaBatchResponse | undefined, Error, Context>(process)
    .use(invocationKeys(logger))
    .use(logMetrics(metrics)) as unknown as FlowHandler;
};
