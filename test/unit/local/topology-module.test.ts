import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopologyModule } from '../../../cdk/topology-module.ts';
import { projectRoot } from '../../../local/services/paths.ts';
import { ConfigError } from '../../../shared/errors.ts';

const at = (...parts: string[]) => join(projectRoot, ...parts);

describe('the topology module the CDK app and the local tools read (SLUICE_TOPOLOGY)', () => {
  it('is functions/topology.ts when SLUICE_TOPOLOGY is not set: flows in functions/, samples in events/', async () => {
    // Act
    const loaded = await loadTopologyModule({});
    // Assess
    expect(loaded).toMatchObject({
      path: at('functions', 'topology.ts'),
      functionsDir: at('functions'),
      eventsDir: at('events'),
      reference: true,
    });
    expect(loaded.topology.flow('enrich-reviews')).toBeDefined();
  });

  it('is the module SLUICE_TOPOLOGY names, from the repository root, with its flows and events beside it', async () => {
    // Act
    const loaded = await loadTopologyModule({ SLUICE_TOPOLOGY: 'examples/fraud-scoring/topology.ts' });
    // Assess
    expect(loaded).toMatchObject({
      functionsDir: at('examples', 'fraud-scoring'),
      eventsDir: at('examples', 'fraud-scoring', 'events'),
      reference: false,
    });
    expect(loaded.topology.flows.map((f) => f.name)).toEqual(['score-payments']);
  });

  it.each([
    ['examples/nope/topology.ts', /^SLUICE_TOPOLOGY=examples\/nope\/topology\.ts: no such file/],
    ['README.md', /^SLUICE_TOPOLOGY=README\.md: must be a \.ts or \.js module$/],
    [
      'examples/fraud-scoring/resources.ts',
      /^SLUICE_TOPOLOGY=examples\/fraud-scoring\/resources\.ts: must export `topology`/,
    ],
    [
      'test/unit/local/fixtures/flow-without-file/topology.ts',
      /flows\.ghost: its file test\/unit\/local\/fixtures\/flow-without-file\/ghost\.ts \(the function's entry, exporting flow and handler\) does not exist$/,
    ],
  ])('refuses SLUICE_TOPOLOGY=%s with a ConfigError naming it and what is wrong', async (value, message) => {
    // Act
    const loading = loadTopologyModule({ SLUICE_TOPOLOGY: value });
    // Assess
    await expect(loading).rejects.toBeInstanceOf(ConfigError);
    await expect(loading).rejects.toThrow(message);
  });
});
