// `npm run schemas -- check` against moto's Glue Schema Registry: the repository's schema files compared with
// the latest version of each subject.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlueClient } from '@aws-sdk/client-glue';
import { describe, expect, it } from 'vitest';
import { checkSchemas } from '../../../local/tools/schemas/check.ts';
import { registerGlueSchema } from '../../../shared/schemas/glue-register.ts';
import { glueRegistry } from '../../../shared/schemas/registry.ts';
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
