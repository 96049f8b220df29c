import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuFromE2e, ioWaitMsPerBatch, s3RequestsPerBatch } from '../../../bench/cost/inputs.ts';
import { priceBook, readPrices } from '../../../bench/cost/prices.ts';
import { type CostReport, costSection, renderSection } from '../../../bench/cost/report.ts';
import { topology } from '../../../functions/topology.ts';
import { projectRoot } from '../../../local/services/paths.ts';
import type { Flow } from '../../../shared/topology/flow.ts';

const costJson = (): CostReport =>
  JSON.parse(readFileSync(join(projectRoot, 'bench', 'results', 'cost.json'), 'utf8')) as CostReport;

describe("the README's cost section", () => {
  it('is what bench/results/cost.json renders now (else: npm run bench -- cost --readme)', () => {
    // Prepare
    const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
    // Act
    const expected = renderSection(costJson());
    // Assess
    expect(costSection.current(readme), 'README.md is out of date: run npm run bench -- cost --readme').toBe(
      expected,
    );
  });

  it('states the target and whether it was met, from the headline figures', () => {
    // Prepare
    const report = costJson();
    const headline = report.byRate.find((r) => r.recordsPerSec === report.atRecordsPerSec);
    // Assess: the headline fields are the per-rate table's row at the headline rate.
    expect(report.sluiceDollarsPerMillion).toBe(headline?.dollarsPerMillion.sluice);
    expect(report.firehoseDollarsPerMillion).toBe(headline?.dollarsPerMillion.firehose);
    expect(report.target.ratio).toBeCloseTo(
      report.sluiceDollarsPerMillion / report.firehoseDollarsPerMillion,
      12,
    );
    expect(renderSection(report)).toContain(report.target.met ? '— met.' : '— not met.');
  });
});

describe("the cost model's inputs", () => {
  const flow = (name: string): Flow => topology.flow(name) as Flow;
  const book = priceBook(readPrices(join(projectRoot, 'bench', 'prices.json')));

  it("takes a flow's CPU per record from the e2e run: the stage breakdown first, else CPU seconds over records", () => {
    // 8.1 s over 50,000 records = 162 µs
    expect(
      cpuFromE2e({ records: 50_000, cpuSecondsByPartProcessingPath: { 'function:a': 8.1 } }, 'a')?.micros,
    ).toBe(162);
    // The sinks run in the drain only.
    expect(cpuFromE2e({ records: 50_000, cpuSecondsByPartDrain: { 'function:s': 2.6 } }, 's')?.micros).toBe(
      52,
    );
    expect(
      cpuFromE2e(
        {
          records: 50_000,
          cpuSecondsByPartProcessingPath: { 'function:a': 8.1 },
          cpuMicrosPerRecordByStage: { a: { parse: 10, steps: 30 } },
        },
        'a',
      )?.micros,
    ).toBe(40);
    expect(cpuFromE2e({ cpuMicrosPerRecordByStage: { a: { parse: 10, total: 55 } } }, 'a')?.micros).toBe(55);
    // What AWS bills: the environment's total without the local host's invocation plumbing.
    expect(
      cpuFromE2e({ cpuMicrosPerRecordByStage: { a: { hostPlumbing: 2, total: 55, function: 53 } } }, 'a')
        ?.micros,
    ).toBe(53);
    expect(cpuFromE2e({ records: 10 }, 'missing')).toBeUndefined();
  });

  it('bills the slowest of parallel outputs per batch, lookups and table writes by count', () => {
    const none = { lookupCalls: 0, tableWrites: 0, tableConcurrency: 16 };
    // Two topic outputs sent in parallel: one send's wait.
    expect(ioWaitMsPerBatch(flow('enrich-reviews'), none, book)).toBe(book.assume.topicSendMs);
    // The lake: read marks, put object, put marks.
    expect(ioWaitMsPerBatch(flow('lake-sink'), none, book)).toBe(3 * book.assume.s3RequestMs);
    // 20 conditional puts, 16 at a time: two rounds.
    expect(ioWaitMsPerBatch(flow('customers-table'), { ...none, tableWrites: 20 }, book)).toBe(
      2 * book.assume.dynamodbCallMs,
    );
    expect(s3RequestsPerBatch(flow('lake-sink'))).toEqual({ puts: 2, gets: 1 });
    expect(s3RequestsPerBatch(flow('search-sink'))).toEqual({ puts: 0, gets: 0 });
  });
});
