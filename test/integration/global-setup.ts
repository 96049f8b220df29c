import { down, up } from '../../local/services/manager.ts';
import type { ServiceName } from '../../local/services/state.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Starts every local server once per test run (reusing running ones) and stops only those it started. */
export default async function setup(): Promise<() => Promise<void>> {
  const started = await up();
  const ours: ServiceName[] = started.filter((s) => !s.reused).map((s) => s.name);
  let stopped = false;
  const teardown = async () => {
    if (stopped) return;
    stopped = true;
    await down(ours);
  };
  // An interrupted run must not leave JVMs behind.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      void teardown().finally(() => process.exit(130));
    });
  }
  return teardown;
}
