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
  if (!model.topics.includes(source.topic)) {
    throw new TopologyDeployError(`${at}.topic`, `topic "${source.topic}" is not declared in the topology`);
  }
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
  inRange(`${at}.retryAttempts`, source.retryAttempts, EsmLimits.retryAttempts);
  if (source.maxRecordAgeSeconds !== undefined && source.maxRecordAgeSeconds !== -1) {
    inRange(`${at}.maxRecordAgeSeconds`, source.maxRecordAgeSeconds, EsmLimits.maxRecordAgeSeconds);
  }
};

const has = (value: unknown, key: string): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && key in value;

/** Each output kind must resolve to resources this stack creates or imports: that is its grant path. */
const checkOutputs = (flow: DeployFlow, model: DeployModel, options: ValidateOptions): void => {
  flow.outputs.forEach((output, i) => {
    const at = `flows.${flow.name}.outputs[${i}](${output.name})`;
    const { resources } = output;
    switch (output.kind) {
      case 'topic': {
        const topics =
          has(resources, 'topics') && Array.isArray(resources.topics) ? resources.topics : undefined;
        if (!topics?.length) throw new TopologyDeployError(at, 'names no topic to grant');
        for (const topic of topics) {
          if (!model.topics.includes(String(topic))) {
            throw new TopologyDeployError(`${at}.topic`, `topic "${topic}" is not declared in the topology`);
          }
        }
        if (has(resources, 'auth') && resources.auth === 'iam' && !options.kafkaIam) {
          throw new TopologyDeployError(
            `${at}.auth`,
            'IAM auth needs an MSK cluster; this app targets self-managed Kafka',
          );
        }
        return;
      }
      case 's3': {
        const bucket = has(resources, 'bucket') ? String(resources.bucket) : undefined;
        if (!model.bucket) throw new TopologyDeployError(at, 'the topology declares no bucket to grant');
        if (bucket !== model.bucket) {
          throw new TopologyDeployError(`${at}.bucket`, `bucket "${bucket}" is not the topology's bucket`);
        }
        return;
      }
      case 'opensearch': {
        if (!model.index) throw new TopologyDeployError(at, 'the topology declares no index to grant');
        const index = has(resources, 'index') ? String(resources.index) : undefined;
        if (index !== model.index) {
          throw new TopologyDeployError(`${at}.index`, `index "${index}" is not the topology's index`);
        }
        return;
      }
      case 'table': {
        const table = has(resources, 'table') ? String(resources.table) : undefined;
        if (!model.tables.some((t) => t.name === table)) {
          throw new TopologyDeployError(`${at}.table`, `table "${table}" is not declared in the topology`);
        }
        return;
      }
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
      throw new TopologyDeployError(
        `${at}.deadLetter`,
        `topic "${flow.deadLetterTopic}" is not declared in the topology`,
      );
    }
    if (flow.outputs.length === 0) throw new TopologyDeployError(`${at}.outputs`, 'a flow needs an output');
    checkOutputs(flow, model, options);
    inRange(`${at}.memoryMb`, flow.memoryMb, EsmLimits.memoryMb);
    inRange(`${at}.timeoutSeconds`, flow.timeoutSeconds, EsmLimits.timeoutSeconds);
  }
};
