import { topology } from '../functions/topology.ts';
import { settingsFromApp } from './context.ts';
import { addSluiceStacks, createSluiceApp } from './sluice-app.ts';

// The reference topology, read once: every function, mapping, grant and alarm is derived from it.
const app = createSluiceApp();
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
addSluiceStacks(app, topology, settingsFromApp(app), {
  // Pinned to the CLI's account and region when it knows them; environment-agnostic otherwise.
  ...(account && region ? { env: { account, region } } : {}),
});
app.synth();
