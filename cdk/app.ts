import { settingsFromApp } from './context.ts';
import { addSluiceStacks, createSluiceApp } from './sluice-app.ts';
import { loadTopologyModule } from './topology-module.ts';

// The topology, read once (functions/topology.ts, or the module SLUICE_TOPOLOGY names): every function,
// mapping, grant and alarm is derived from it.
const { topology, functionsDir } = await loadTopologyModule();
const app = createSluiceApp();
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
addSluiceStacks(app, topology, settingsFromApp(app), {
  functionsDir,
  // Pinned to the CLI's account and region when it knows them; environment-agnostic otherwise.
  ...(account && region ? { env: { account, region } } : {}),
});
app.synth();
