// `npm run schemas -- check` against moto's Glue Schema Registry: the repository's schemas (the topology's declared
// ones, or a folder's files) compared with the latest version of each subject; the CLI run as a user runs it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlueClient } from '@aws-sdk/client-glue';
import { describe, expect, it } from 'vitest';
import { ordersSchema } from '../../../functions/schemas/orders.ts';
import { topology } from '../../../functions/topology.ts';
import { registerTopicSchemas } from '../../../local/runner/registry.ts';
import { checkSchemas } from '../../../local/tools/schemas/check.ts';
import { registerGlueSchema } from '../../../shared/schemas/glue-register.ts';
import { glueRegistry } from '../../../shared/schemas/registry.ts';
import { runCli } from '../../support/cli.ts';
import { endpoints, localAws, uniqueName } from '../../support/endpoints.ts';
import { reviewV1, reviewV2, reviewV3 } from '../../unit/schemas/fixtures.ts';

describe('npm run schemas -- check', () => {
  it('reports FULL for a compatible change, a break for one the registry forbids, and new subjects as new', async () => {
    // Prepare
    const glue = new GlueClient(localAws(endpoints().s3.endpoint));
    const registry = glueRegistry({ name: uniqueName('sluice-check') });
    await registerGlueSchema(glue, registry, 'reviews-ok', 'avro', reviewV1);
    await registerGlueSchema(glue, registry, 'reviews-broken', 'avro', reviewV1);
    const dir = mkdtempSync(join(tmpdir(), 'sluice-schemas-'));
    writeFileSync(join(dir, 'reviews-ok.avsc'), reviewV2);
    writeFileSync(join(dir, 'reviews-broken.avsc'), reviewV3);
    writeFileSync(join(dir, 'reviews-new.avsc'), reviewV1);
    // Act
    const reports = await checkSchemas(dir, glue, registry);
    // Assess
    expect(reports.map((r) => [r.subject, r.mode, r.required, r.broken])).toEqual([
      ['reviews-broken', 'FORWARD', 'BACKWARD', true],
      ['reviews-new', 'new', 'BACKWARD', false],
      ['reviews-ok', 'FULL', 'BACKWARD', false],
    ]);
  });
});

/** The reference orders schema with its fields changed: what a team might try to register next. */
const ordersWith = (change: (fields: Record<string, unknown>[]) => Record<string, unknown>[]): string =>
  JSON.stringify({ ...ordersSchema, fields: change(ordersSchema.fields.map((f) => ({ ...f }))) });

describe('npm run schemas -- check, as part of npm test', () => {
  it("checks the reference topology's schemas against the registry npm start fills: orders FULL, exit 0", async () => {
    // Prepare
    const glue = new GlueClient(localAws(endpoints().s3.endpoint));
    await registerTopicSchemas(topology.topics, glue);
    glue.destroy();
    // Act
    const { code, output } = await runCli('local/tools/schemas.ts', ['check']);
    // Assess
    expect(output).toContain('ok    orders: FULL (registry requires BACKWARD)');
    expect(output).not.toContain('BREAK');
    expect(code, output).toBe(0);
  });

  it('prints BACKWARD, FORWARD or FULL per subject for changes of the orders schema, and exits 1 on the break', async () => {
    // Prepare
    const glue = new GlueClient(localAws(endpoints().s3.endpoint));
    const registry = glueRegistry({ name: uniqueName('sluice-orders-check') });
    const v1 = JSON.stringify(ordersSchema);
    for (const subject of ['orders-full', 'orders-backward', 'orders-forward'])
      await registerGlueSchema(glue, registry, subject, 'avro', v1);
    glue.destroy();
    const dir = mkdtempSync(join(tmpdir(), 'sluice-orders-schemas-'));
    // A field added with a default: either side reads the other.
    writeFileSync(
      join(dir, 'orders-full.avsc'),
      ordersWith((f) => [...f, { name: 'channel', type: 'string', default: 'web' }]),
    );
    // A field without default removed: new readers skip it in old records; old readers miss it in new ones.
    writeFileSync(
      join(dir, 'orders-backward.avsc'),
      ordersWith((f) => f.filter((x) => x.name !== 'currency')),
    );
    // A field added without default: new readers cannot read old records, which the registry's BACKWARD forbids.
    writeFileSync(
      join(dir, 'orders-forward.avsc'),
      ordersWith((f) => [...f, { name: 'channel', type: 'string' }]),
    );
    // Act
    const { code, output } = await runCli('local/tools/schemas.ts', [
      'check',
      '--dir',
      dir,
      '--registry',
      registry.name,
    ]);
    // Assess
    expect(output.split('\n').filter((l) => /^(ok|BREAK)/.test(l))).toEqual([
      'ok    orders-backward: BACKWARD (registry requires BACKWARD)',
      'BREAK orders-forward: FORWARD (registry requires BACKWARD)',
      'ok    orders-full: FULL (registry requires BACKWARD)',
    ]);
    expect(output).toMatch(/BREAK orders-forward.*\n\s+.*channel/);
    expect(code, output).toBe(1);
  });
});
