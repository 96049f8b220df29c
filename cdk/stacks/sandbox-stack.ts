import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { SandboxNetwork } from '../constructs/sandbox-network.ts';

/** The sandbox's VPC and MSK Serverless cluster, in their own stack so they are destroyed last. */
export class SandboxStack extends Stack {
  readonly network: SandboxNetwork;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.network = new SandboxNetwork(this, 'Sandbox');
  }
}
