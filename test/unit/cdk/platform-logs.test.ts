import { describe, expect, it } from 'vitest';
import { ContextError, readSettings } from '../../../cdk/context.ts';
import { enrichOnlyTopology, mskContext } from './fixtures/topology.ts';
import { resourcesOf, synthesize } from './support.ts';

const loggingConfigs = (context: Record<string, string>) => {
  const flows = synthesize(enrichOnlyTopology(), context).templates.get('SluiceFlows');
  if (!flows) throw new Error('no SluiceFlows stack');
  return resourcesOf(flows, 'AWS::Lambda::Function')
    .filter(([, fn]) => String(fn.Description ?? '').startsWith('Sluice flow'))
    .map(([, fn]) => fn.LoggingConfig);
};

describe("the flows' log settings", () => {
  it("log JSON and drop Lambda's own START/END/REPORT lines (system log level WARN) by default", () => {
    // Act
    const configs = loggingConfigs(mskContext);
    // Assess
    expect(configs.length).toBeGreaterThan(0);
    for (const config of configs) expect(config).toMatchObject({ LogFormat: 'JSON', SystemLogLevel: 'WARN' });
  }, 120_000);

  it('keep the platform lines when the deployment asks with sluice:platformLogs=true', () => {
    // Act
    const configs = loggingConfigs({ ...mskContext, 'sluice:platformLogs': 'true' });
    // Assess
    for (const config of configs) expect(config).toMatchObject({ LogFormat: 'JSON', SystemLogLevel: 'INFO' });
  }, 120_000);

  it('refuse a platformLogs value that is not true or false, naming the context key', () => {
    // Act
    const read = () => readSettings((k) => ({ ...mskContext, 'sluice:platformLogs': 'yes' })[k]);
    // Assess
    expect(read).toThrow(ContextError);
    expect(read).toThrow(/sluice:platformLogs/);
  });
});
