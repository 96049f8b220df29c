import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface LakeBucketProps {
  /** Physical bucket name: the topology's bucket, which the runtime writes to by that name. */
  readonly bucketName: string;
  /**
   * Days after which lake objects move to S3 Intelligent-Tiering.
   * @default 30
   */
  readonly tieringAfterDays?: number;
  /**
   * Days after which server access logs expire.
   * @default 90
   */
  readonly accessLogRetentionDays?: number;
  /**
   * What `cdk destroy` does with the buckets; DESTROY also empties them.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The S3 data lake: S3-managed encryption, public access blocked, TLS enforced, server access logs to a
 * sibling bucket, lifecycle rules (tiering, aborted multipart uploads).
 */
export class LakeBucket extends Construct {
  readonly bucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: LakeBucketProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const autoDeleteObjects = removalPolicy === RemovalPolicy.DESTROY;
    const common = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy,
      autoDeleteObjects,
    } as const;
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogRetentionDays ?? 90) }],
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log destination of the lake bucket; logging it to itself would loop.',
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...common,
      bucketName: props.bucketName,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'lake/',
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
        {
          transitions: [
            {
              storageClass: s3.StorageClass.INTELLIGENT_TIERING,
              transitionAfter: Duration.days(props.tieringAfterDays ?? 30),
            },
          ],
        },
      ],
    });
  }
}
