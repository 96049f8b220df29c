import type { DeployFlow, DeployModel } from './model.ts';

/**
 * Limits of the Lambda Kafka event-source mapping and function, as AWS documents them. Checked at synth
 * so a bad topology fails before CloudFormation does, with the flow and field named.
 */
export const EsmLimits = {
  batchSize: { min: 1, max: 10_000 },
  batchingWindowMs: { min: 0, max: 300_000 },
  minimumPollers: { min: 1, max: 200 },
  maximumPollers: { min: 1, max: 2_000 },
  retryAttempts: { min: -1, max: 10_000 },
  /** -1 (infinite) or 60 s .. 7 days. */
  maxRecordAgeSeconds: { min: 60, max: 604_800 },
  /** Kafka mappings allow functions up to 14 minutes. */
  timeoutSeconds: { min: 1, max: 840 },
  memoryMb: { min: 128, max: 10_240 },
  consumerGroup: /^[a-zA-Z0-9\-/*:_+=.@]{1,200}$/,
} as const;

/** A topology the CDK app cannot deploy; the message names the flow and the field. */
export class TopologyDeployError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'TopologyDeployError';
  }
}

export interface ValidateOptions {
  /** Whether outputs may authenticate to Kafka with IAM (only an MSK cluster accepts it). */
  readonly kafkaIam: boolean;
}

const inRange = (path: string, value: number | undefined, range: { min: number; max: number }): void => {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new TopologyDeployError(path, `${value} is outside ${range.min}..${range.max}`);
  }
};

const checkSource = (flow: DeployFlow, model: DeployModel): void => {
  const at = `flows.${flow.name}.source`;
  const { source } = flow;
  if (!model.topics.includes(source.topic)) throw undeclared(`${at}.topic`, 'topic', source.topic);
  if (!source.consumerGroup) {
    throw new TopologyDeployError(`${at}.consumerGroup`, 'a consumer group id is required');
  }
  if (!EsmLimits.consumerGroup.test(source.consumerGroup)) {
    throw new TopologyDeployError(
      `${at}.consumerGroup`,
      `"${source.consumerGroup}" must be 1-200 characters of [a-zA-Z0-9-/*:_+=.@]`,
    );
  }
  inRange(`${at}.batchSize`, source.batchSize, EsmLimits.batchSize);
  inRange(`${at}.batchingWindowMs`, source.batchingWindowMs, EsmLimits.batchingWindowMs);
  if (source.batchingWindowMs !== undefined && source.batchingWindowMs % 1000 !== 0) {
    throw new TopologyDeployError(
      `${at}.batchingWindowMs`,
      `${source.batchingWindowMs} ms is not whole seconds (the mapping takes MaximumBatchingWindowInSeconds)`,
    );
  }
  if (source.startingPosition === 'AT_TIMESTAMP' && source.startingTimestamp === undefined) {
    throw new TopologyDeployError(
      `${at}.startingTimestamp`,
      'required when startingPosition is AT_TIMESTAMP',
    );
  }
  if (source.startingPosition !== 'AT_TIMESTAMP' && source.startingTimestamp !== undefined) {
    throw new TopologyDeployError(
      `${at}.startingTimestamp`,
      'only allowed with startingPosition AT_TIMESTAMP',
    );
  }
  if (source.filterPatterns.length > 5) {
    throw new TopologyDeployError(
      `${at}.filter`,
      `${source.filterPatterns.length} patterns; a mapping allows 5`,
    );
  }
  const { provisioned } = source;
  if (provisioned) {
    inRange(`${at}.provisioned.minimumPollers`, provisioned.minimumPollers, EsmLimits.minimumPollers);
    inRange(`${at}.provisioned.maximumPollers`, provisioned.maximumPollers, EsmLimits.maximumPollers);
    if (provisioned.minimumPollers > provisioned.maximumPollers) {
      throw new TopologyDeployError(`${at}.provisioned`, 'minimumPollers exceeds maximumPollers');
    }
  }
  const controls = [
    'retryAttempts',
    'maxRecordAgeSeconds',
    'splitBatchOnError',
    'reportBatchItemFailures',
  ] as const;
  for (const control of controls) {
    if (source[control] !== undefined && !provisioned) {
      throw new TopologyDeployError(`${at}.${control}`, 'Kafka mappings allow it only in provisioned mode');
    }
  }
  if (source.onFailure?.kind === 'topic') {
    if (!provisioned) {
      throw new TopologyDeployError(`${at}.onFailure`, 'a Kafka topic destination needs provisioned mode');
    }
    if (!model.topics.includes(source.onFailure.topic)) {
      throw undeclared(`${at}.onFailure`, 'topic', source.onFailure.topic);
    }
  }
  if (source.onFailure?.kind === 'arn' && !/^arn:aws[a-z-]*:(sqs|sns|s3):/.test(source.onFailure.arn)) {
    throw new TopologyDeployError(
      `${at}.onFailure`,
      `"${source.onFailure.arn}" is not an SQS, SNS or S3 ARN`,
    );
  }
  inRange(`${at}.retryAttempts`, source.retryAttempts, EsmLimits.retryAttempts);
  if (source.maxRecordAgeSeconds !== undefined && source.maxRecordAgeSeconds !== -1) {
    inRange(`${at}.maxRecordAgeSeconds`, source.maxRecordAgeSeconds, EsmLimits.maxRecordAgeSeconds);
  }
};

const undeclared = (path: string, kind: string, name: string) =>
  new TopologyDeployError(path, `${kind} "${name}" is not declared in the topology`);

/**
 * Every output must resolve to resources this app creates or imports — its grant path — and name only
 * declared ones. An output kind the app has no grant for, or one naming nothing, fails here.
 */
const checkOutputs = (flow: DeployFlow, model: DeployModel, options: ValidateOptions): void => {
  flow.outputs.forEach((output, i) => {
    const at = `flows.${flow.name}.outputs[${i}](${output.name})`;
    const { resources } = output;
    const noPath = (what: string) => new TopologyDeployError(`${at}.resources`, `no grant path: ${what}`);
    switch (output.kind) {
      case 'topic':
        if (!resources.topics?.length) throw noPath('a topic output that names no topic');
        resources.topics.forEach((topic, j) => {
          if (!model.topics.includes(topic)) throw undeclared(`${at}.resources.topics[${j}]`, 'topic', topic);
        });
        if (resources.auth === 'iam' && !options.kafkaIam) {
          throw new TopologyDeployError(
            `${at}.auth`,
            'IAM auth needs an MSK cluster; this app targets self-managed Kafka',
          );
        }
        return;
      case 'table':
        if (!resources.tables?.length) throw noPath('a table output that names no table');
        resources.tables.forEach((table, j) => {
          if (!model.tables.some((t) => t.name === table)) {
            throw undeclared(`${at}.resources.tables[${j}]`, 'table', table);
          }
        });
        return;
      case 's3':
        if (resources.bucketPrefix === undefined) throw noPath('an s3 output without a bucket prefix');
        if (!model.bucket) throw noPath('the topology declares no bucket');
        return;
      case 'opensearch':
        if (!resources.index) throw noPath('an opensearch output that names no index');
        if (!model.index) throw noPath('the topology declares no index');
        if (resources.index !== model.index)
          throw undeclared(`${at}.resources.index`, 'index', resources.index);
        return;
      default:
        throw new TopologyDeployError(`${at}.kind`, `no grant path for output kind "${output.kind}"`);
    }
  });
};

/** Checks what the CDK app relies on beyond the runtime's own validation. Throws on the first problem. */
export const validateModel = (model: DeployModel, options: ValidateOptions): void => {
  const names = new Set<string>();
  const groups = new Map<string, string>();
  for (const flow of model.flows) {
    const at = `flows.${flow.name}`;
    if (!/^[a-z0-9][a-z0-9-]{0,47}$/.test(flow.name)) {
      throw new TopologyDeployError(`${at}.name`, 'must be 1-48 lower-case letters, digits or dashes');
    }
    if (names.has(flow.name)) throw new TopologyDeployError(`${at}.name`, 'declared twice');
    names.add(flow.name);
    checkSource(flow, model);
    // Two mappings in one group would split the topic's partitions between unrelated functions.
    const owner = groups.get(flow.source.consumerGroup);
    if (owner) {
      throw new TopologyDeployError(
        `${at}.source.consumerGroup`,
        `"${flow.source.consumerGroup}" is already used by flow ${owner}`,
      );
    }
    groups.set(flow.source.consumerGroup, flow.name);
    for (const table of flow.lookups) {
      if (!model.tables.some((t) => t.name === table)) {
        throw new TopologyDeployError(
          `${at}.steps.enrich.table`,
          `table "${table}" is not declared in the topology`,
        );
      }
    }
    if (flow.deadLetterTopic !== undefined && !model.topics.includes(flow.deadLetterTopic)) {
      throw undeclared(`${at}.deadLetter`, 'topic', flow.deadLetterTopic);
    }
    if (flow.outputs.length === 0) throw new TopologyDeployError(`${at}.outputs`, 'a flow needs an output');
    checkOutputs(flow, model, options);
    inRange(`${at}.memoryMb`, flow.memoryMb, EsmLimits.memoryMb);
    inRange(`${at}.timeoutSeconds`, flow.timeoutSeconds, EsmLimits.timeoutSeconds);
  }
};
