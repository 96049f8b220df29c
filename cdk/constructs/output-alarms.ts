import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { MetricName } from '../../shared/metrics.ts';
import type { OutputSpec } from '../../shared/outputs/spec.ts';
import type { Flow } from '../../shared/topology/index.ts';
import { FlowMetrics } from '../metrics.ts';

/**
 * The output kinds whose writers report throttling (`OutputResult.throttled`): SQS, SNS and EventBridge (a
 * throttled request or entry), http (429 and 503 answers) and postgres (53300 too many connections, a pool wait
 * timed out).
 */
const alarmedKinds: ReadonlySet<string> = new Set(['sqs', 'sns', 'eventbridge', 'http', 'postgres']);

/** One output's metric from the runtime's per-output EMF line (dimensions service, flow, output). */
const outputMetric = (flow: Flow, output: OutputSpec, metricName: string) =>
  new cloudwatch.Metric({
    namespace: FlowMetrics.namespace,
    metricName,
    dimensionsMap: { ...FlowMetrics.dimensions(flow.name), output: output.name },
    statistic: 'Sum',
    period: Duration.minutes(5),
  });

/** Per output of those kinds: an alarm on its dead letters and one on its target throttling it. */
export const outputAlarms = (flow: Flow): { id: string; metric: cloudwatch.IMetric; what: string }[] =>
  flow.outputs.flatMap((output, i) =>
    alarmedKinds.has(output.kind)
      ? [
          {
            id: `Output${i}DeadLettered`,
            metric: outputMetric(flow, output, MetricName.RecordsDeadLettered),
            what: `${output.name} refused records (dead-lettered)`,
          },
          {
            id: `Output${i}Throttled`,
            metric: outputMetric(flow, output, MetricName.OutputThrottled),
            what: `${output.name} throttled requests (retried; the batch fails if it persists)`,
          },
        ]
      : [],
  );
