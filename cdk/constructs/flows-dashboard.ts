import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { ErrorCountMetric, EventCountMetric, KafkaLagMetric } from '../../shared/mapping-metrics.ts';
import type { FlowFunction } from './flow.ts';

export interface FlowsDashboardProps {
  readonly dashboardName: string;
  readonly flows: ReadonlyMap<string, FlowFunction>;
}

/**
 * One dashboard for the topology: per flow, a row of the function's figures (invocations and errors, duration,
 * lag, dead letters), a row of its mapping's own (records polled, filtered out, invoked, failed, dropped, sent to
 * the on-failure destination, committed; the mapping's errors), and its alarms.
 */
export class FlowsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: FlowsDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    for (const [name, flow] of props.flows) {
      const fn = flow.function;
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${name}: invocations`,
          left: [
            fn.metricInvocations({ period, statistic: 'Sum' }),
            fn.metricErrors({ period, statistic: 'Sum' }),
            fn.metricThrottles({ period, statistic: 'Sum' }),
          ],
          width: 6,
        }),
        new cloudwatch.GraphWidget({
          title: `${name}: duration (ms)`,
          left: [
            fn.metricDuration({ period, statistic: 'p50' }),
            fn.metricDuration({ period, statistic: 'p99' }),
          ],
          width: 6,
        }),
        new cloudwatch.GraphWidget({
          title: `${name}: offset lag`,
          left: [
            flow.offsetLag,
            flow.mappingMetric(KafkaLagMetric.Max, 'Maximum'),
            flow.mappingMetric(KafkaLagMetric.Sum, 'Maximum'),
          ],
          width: 6,
        }),
        new cloudwatch.GraphWidget({ title: `${name}: dead-lettered`, left: [flow.deadLettered], width: 6 }),
        new cloudwatch.GraphWidget({
          title: `${name}: mapping records`,
          left: Object.values(EventCountMetric).map((metric) => flow.mappingMetric(metric)),
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: `${name}: mapping errors`,
          left: Object.values(ErrorCountMetric).map((metric) => flow.mappingMetric(metric)),
          width: 12,
        }),
        new cloudwatch.AlarmStatusWidget({
          title: `${name}: alarms`,
          alarms: [...flow.alarms],
          width: 24,
          height: 2,
        }),
      );
    }
  }
}
