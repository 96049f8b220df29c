import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Powertools Metrics that count and then drop what they would publish, so a test or an in-process benchmark
 * prints no EMF lines (which would otherwise land in its stdout, not in CloudWatch).
 */
export const silentMetrics = (namespace: string, singleMetric = false): Metrics => {
  const metrics = new Metrics({ namespace, serviceName: namespace, singleMetric });
  metrics.publishStoredMetrics = () => {
    metrics.clearMetrics();
    metrics.clearDimensions();
    metrics.clearMetadata();
    return metrics;
  };
  // Per-output counts are single metrics, which publish at once.
  metrics.singleMetric = () => silentMetrics(namespace, true);
  return metrics;
};
