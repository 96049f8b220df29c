import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/** The CloudFormation client's one call the tools make (a fake in tests). */
export type StackReader = Pick<CloudFormationClient, 'send'>;

/** A deployed stack's outputs, key → value. */
export const stackOutputs = async (
  cloudformation: StackReader,
  stackName: string,
): Promise<Map<string, string>> => {
  const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = Stacks?.[0]?.Outputs ?? [];
  return new Map(
    outputs.flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])),
  );
};

/** `cleanse-reviews` → `CleanseReviewsFunctionName`, the output the CDK app writes for each flow's function. */
export const functionOutputKey = (flowName: string): string =>
  `${flowName.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}FunctionName`;

/** The deployed function of a flow, from the stack outputs; a missing output names the outputs there are. */
export const flowFunctionName = (
  outputs: ReadonlyMap<string, string>,
  stackName: string,
  flowName: string,
): string => {
  const wanted = functionOutputKey(flowName);
  const key = [...outputs.keys()].find((k) => k === wanted || k.startsWith(wanted));
  const value = key === undefined ? undefined : outputs.get(key);
  if (value === undefined) {
    throw new Error(`stack ${stackName} has no output ${wanted}; outputs: ${[...outputs.keys()].join(', ')}`);
  }
  return value;
};
