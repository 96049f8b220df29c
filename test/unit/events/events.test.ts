import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topology } from '../../../functions/topology.ts';
import { renderSamples } from '../../../local/samples/generate.ts';
import { readSampleRecords } from '../../../local/samples/records.ts';
import { decodeBatch } from '../../../shared/decode/index.ts';

const eventsDir = join(import.meta.dirname, '..', '..', '..', 'events');
const filesIn = (folder: string) => readdirSync(join(eventsDir, folder)).map((f) => `${folder}/${f}`);
const generated = [...filesIn('invoke'), ...filesIn('records'), ...filesIn('seeds')];

describe('the sample events', () => {
  it.each(generated)('%s is exactly what the seeded generator makes', (file) => {
    expect(readFileSync(join(eventsDir, file), 'utf8')).toBe(renderSamples().get(file));
  });

  it('include every file the generator makes, none missing', () => {
    expect([...renderSamples().keys()].sort()).toEqual([...generated].sort());
  });

  it.each(filesIn('invoke'))(
    '%s is a Kafka event for its flow that the runtime decodes record by record',
    (file) => {
      // Prepare
      const event = JSON.parse(readFileSync(join(eventsDir, file), 'utf8'));
      const flow = topology.flow(file.slice('invoke/'.length).split('.')[0] ?? '');

      // Act
      const decoded = decodeBatch(event, {
        formats: { [flow!.source.topic.name]: flow!.source.topic.format },
      });

      // Assess
      const sent = Object.values(event.records as Record<string, unknown[]>).flat().length;
      expect(flow).toBeDefined();
      expect(Object.keys(event.records).every((k) => k.startsWith(`${flow!.source.topic.name}-`))).toBe(true);
      expect(decoded.records.length + decoded.deadLetters.length).toBe(sent);
    },
  );

  it.each(filesIn('records'))('%s holds sample records for a declared topic', (file) => {
    const topic = file.slice('records/'.length).replace(/\.jsonl$/, '');
    expect(topology.topic(topic)).toBeDefined();
    expect(readSampleRecords(join(eventsDir, file)).length).toBeGreaterThan(0);
  });

  it.each(filesIn('seeds'))('%s seeds a declared table with items that carry its key', (file) => {
    const table = topology.table(file.slice('seeds/'.length).replace(/\.json$/, ''));
    const items = JSON.parse(readFileSync(join(eventsDir, file), 'utf8')) as Record<string, unknown>[];
    expect(table).toBeDefined();
    expect(items.every((item) => typeof item[table!.partitionKey.name] === 'string')).toBe(true);
  });
});
