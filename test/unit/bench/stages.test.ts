import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stageOfSource, stageSamples } from '../../../bench/stages.ts';

/** A bundle whose line 0 comes from the decoder and line 1 from kafkajs's gzip codec, and a profile of it. */
const fixture = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-stages-'));
  const bundle = join(dir, 'index.mjs');
  writeFileSync(
    `${bundle}.map`,
    JSON.stringify({
      version: 3,
      sources: [
        '../../shared/decode/decode-batch.ts',
        '../../node_modules/kafkajs/src/protocol/message/compression/gzip.js',
      ],
      names: [],
      mappings: 'AAAA;ACAA',
    }),
  );
  const url = `file://${bundle}`;
  const frame = (
    id: number,
    functionName: string,
    frameUrl: string,
    lineNumber = 0,
    children: number[] = [],
  ) => ({
    id,
    callFrame: { functionName, scriptId: '1', url: frameUrl, lineNumber, columnNumber: 0 },
    children,
  });
  const nodes = [
    frame(1, '(root)', '', 0, [2, 5, 6, 7]),
    frame(2, '', 'file:///w/local/lambda/host.mjs', 0, [3, 8]),
    frame(3, 'decodeBatch', url, 0, [4]),
    frame(4, 'parse', ''),
    frame(5, 'parseEvent', 'file:///w/local/lambda/host.mjs'),
    frame(6, '(garbage collector)', ''),
    frame(7, '(idle)', ''),
    frame(8, 'gzip', url, 1, [9]),
    frame(9, 'zlibBufferSync', 'node:zlib'),
  ];
  const profile = join(dir, 'env.cpuprofile');
  // One sample a millisecond from t = 1 ms: parse in decode, the event parse, GC, idle, gzip twice.
  writeFileSync(
    profile,
    JSON.stringify({
      nodes,
      startTime: 0,
      endTime: 7000,
      samples: [4, 5, 6, 7, 9, 9],
      timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000],
    }),
  );
  return { bundle, profile };
};

describe('CPU profile stages (the e2e breakdown)', () => {
  it('counts a sample to the stage of its innermost frame that names one, idle left out', () => {
    // Prepare
    const { bundle, profile } = fixture();

    // Act
    const counts = stageSamples(profile, bundle, 0, 10_000);

    // Assess
    expect(counts).toMatchObject({
      decode: 1,
      eventParse: 1,
      gc: 1,
      compression: 2,
      hostPlumbing: 0,
      other: 0,
    });
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('keeps only the samples inside the window', () => {
    // Prepare
    const { bundle, profile } = fixture();

    // Act
    const counts = stageSamples(profile, bundle, 2500, 10_000);

    // Assess: the decode and event-parse samples (1 ms, 2 ms) fall before the window
    expect(counts).toMatchObject({ decode: 0, eventParse: 0, gc: 1, compression: 2 });
  });

  it('names stages by source file: client, codec, steps libraries, logging', () => {
    expect(stageOfSource('../../node_modules/kafkajs/src/producer/sendMessages.js')).toBe('producer');
    expect(stageOfSource('../../node_modules/libphonenumber-js/es6/parse.js')).toBe('steps');
    expect(stageOfSource('../../shared/outputs/lineage.ts')).toBe('encode');
    expect(stageOfSource('../../node_modules/@aws-lambda-powertools/logger/lib/esm/Logger.js')).toBe(
      'loggingMetrics',
    );
    expect(stageOfSource('../../shared/handler/run-batch.ts')).toBe('batchRuntime');
  });
});
