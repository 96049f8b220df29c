import { App, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** Placeholder stack until the topology-driven stacks land (issue 6): proves the toolchain synthesises. */
class SluiceStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
  }
}

const app = new App();
new SluiceStack(app, 'Sluice');
app.synth();
