import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Where Lambda puts an S3 on-failure destination's objects: `aws/lambda/<ESM-UUID>/<topic-partition>/…`. */
export const failedBatchesPrefix = 'aws/lambda/';

/**
 * The bucket's physical name, unique per account and region. Built from pseudo-parameters, so the flows stack
 * names it in its grants without a cross-stack import (as the lake bucket is named).
 */
export const failedBatchesBucketName = (prefix: string): string =>
  `${prefix.toLowerCase()}-failed-batches-${Aws.ACCOUNT_ID}-${Aws.REGION}`;

export interface FailedBatchesBucketProps {
  /** Physical name (see failedBatchesBucketName). */
  readonly bucketName: string;
  /**
   * Days after which failed batches move to S3 Standard-Infrequent Access.
   * @default 30
   */
  readonly infrequentAccessAfterDays?: number;
  /**
   * Days after which failed batches are deleted (redrive them before).
   * @default 90
   */
  readonly retentionDays?: number;
  /**
   * What `cdk destroy` does with the bucket; DESTROY also empties it.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The bucket the event-source mappings send failed batches to: Lambda writes the whole invocation record (the
 * records included) under its own keys. S3-managed encryption, TLS only, public access blocked, versioned (as
 * AWS advises for a destination bucket), lifecycle, and request metrics on Lambda's prefix for the alarm.
 */
export class FailedBatchesBucket extends Construct {
  static readonly metricsFilterId = 'FailedBatches';
  readonly bucket: s3.Bucket;
  /** The physical name, as given: no reference to this stack. */
  readonly bucketName: string;

  constructor(scope: Construct, id: string, props: FailedBatchesBucketProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.bucketName = props.bucketName;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
      // A native CloudWatch request-metrics filter: the alarm needs no custom resource or notification target.
      metrics: [{ id: FailedBatchesBucket.metricsFilterId, prefix: failedBatchesPrefix }],
      lifecycleRules: [
        {
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(props.infrequentAccessAfterDays ?? 30),
            },
          ],
          expiration: Duration.days(props.retentionDays ?? 90),
          noncurrentVersionExpiration: Duration.days(7),
        },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the event-source mappings write here (as the flow roles, on aws/lambda/*); every write is counted by the request metrics that raise the FailedBatches alarm.',
    });
  }

  /** PutRequests under Lambda's prefix: one per failed batch. */
  metricPuts(): cloudwatch.IMetric {
    return new cloudwatch.Metric({
      namespace: 'AWS/S3',
      metricName: 'PutRequests',
      dimensionsMap: { BucketName: this.bucketName, FilterId: FailedBatchesBucket.metricsFilterId },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
  }
}

/**
 * The failed-batches bucket as a mapping's on-failure destination. Unlike CDK's S3OnFailureDestination, which
 * grants read and write on the whole bucket, it grants nothing: the flow's policy holds the two actions AWS
 * needs, on Lambda's prefix.
 */
export class FailedBatchesDestination implements lambda.IEventSourceDlq {
  constructor(private readonly bucketArn: string) {}

  bind(): lambda.DlqDestinationConfig {
    return { destination: this.bucketArn };
  }
}
