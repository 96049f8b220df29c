import { describe, expect, it } from 'vitest';
import { parseRedriveArgs } from '../../../../local/tools/redrive/args.ts';
import type { Ledger, LedgerEntry } from '../../../../local/tools/redrive/ledger.ts';
import type { Letter } from '../../../../local/tools/redrive/letter.ts';
import type { Outgoing, Publisher } from '../../../../local/tools/redrive/publish.ts';
import { redrive } from '../../../../local/tools/redrive/redrive.ts';
import { formatReport } from '../../../../local/tools/redrive/report.ts';
import { ConfigError } from '../../../../shared/errors.ts';

/** A fake ledger: ids in memory. */
const fakeLedger = (ids: string[] = []) => {
  const recorded: LedgerEntry[] = [];
  const ledger: Ledger = {
    load: async () => new Set(ids),
    record: async (entries) => {
      recorded.push(...entries);
    },
  };
  return { ledger, recorded };
};

/** A fake publisher: topics with partition counts, sent messages kept in memory. */
const fakePublisher = (topics: Record<string, number>) => {
  const sent: Outgoing[] = [];
  const publisher: Publisher = {
    partitions: async (names) =>
      new Map(names.filter((n) => n in topics).map((n) => [n, topics[n] as number])),
    send: async (messages) => {
      sent.push(...messages);
    },
    close: async () => undefined,
  };
  return { publisher, sent };
};

const letter = (offset: number, fields: Partial<Letter> = {}): Letter => ({
  id: `dlq/0/${offset}`,
  from: `dlq/0/${offset}`,
  flow: 'cleanse-reviews',
  stage: 'validate',
  errorClass: 'ValidationError',
  reason: 'bad rating',
  source: { topic: 'reviews.raw', partition: 2, offset: 100 + offset },
  message: { key: Buffer.from(`k${offset}`), value: Buffer.from('v'), headers: [] },
  ...fields,
});
const options = { where: [], dryRun: false };
const now = () => new Date('2026-01-01T00:00:00Z');

describe('redrive', () => {
  it('publishes to the source partition with redrive marks, records each in the ledger after sending, and skips what the ledger holds', async () => {
    // Prepare
    const { ledger, recorded } = fakeLedger(['dlq/0/1']);
    const { publisher, sent } = fakePublisher({ 'reviews.raw': 3 });
    // Act
    const report = await redrive([letter(0), letter(1)], options, { ledger, publisher, now });
    // Assess
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ topic: 'reviews.raw', partition: 2 });
    expect(sent[0]?.message.headers.map((x) => `${x.key}=${x.value}`)).toEqual([
      'sluice.redrive.from=dlq/0/0',
      'sluice.redrive.source=reviews.raw/2/100',
      'sluice.redrive.at=2026-01-01T00:00:00.000Z',
    ]);
    expect(recorded).toEqual([
      { id: 'dlq/0/0', from: 'dlq/0/0', to: 'reviews.raw/2', at: '2026-01-01T00:00:00.000Z' },
    ]);
    expect(report.rows).toMatchObject([{ stage: 'validate', redriven: 1, already: 1, notRedrivable: 0 }]);
  });

  it('sends to --to through the partitioner, and refuses a topic that does not exist or a letter naming no source', async () => {
    // Prepare
    const { ledger } = fakeLedger();
    const { publisher, sent } = fakePublisher({ retry: 1 });
    // Act
    const toRetry = await redrive([letter(0)], { ...options, to: 'retry' }, { ledger, publisher, now });
    const missing = await redrive([letter(1)], options, { ledger, publisher, now });
    const unnamed = await redrive([letter(2, { source: undefined } as Partial<Letter>)], options, {
      ledger,
      publisher,
      now,
    });
    // Assess
    expect(sent.map((s) => [s.topic, s.partition])).toEqual([['retry', undefined]]);
    expect(toRetry.rows[0]?.redriven).toBe(1);
    expect(missing.notRedrivable).toEqual([{ from: 'dlq/0/1', why: 'topic reviews.raw does not exist' }]);
    expect(unnamed.notRedrivable).toEqual([
      { from: 'dlq/0/2', why: 'it names no source topic: pass --to <topic>' },
    ]);
  });

  it('says what was published when the ledger cannot record it', async () => {
    // Prepare
    const { publisher, sent } = fakePublisher({ 'reviews.raw': 3 });
    const ledger: Ledger = {
      load: async () => new Set(),
      record: async () => {
        throw new Error('TOPIC_AUTHORIZATION_FAILED');
      },
    };
    // Act
    const run = redrive([letter(0), letter(1)], options, { ledger, publisher, now });
    // Assess
    await expect(run).rejects.toThrow(
      'published 2 record(s) but could not record them in the ledger, so a next run would publish them again: TOPIC_AUTHORIZATION_FAILED',
    );
    expect(sent).toHaveLength(2);
  });

  it('publishes the same record found twice once', async () => {
    // Prepare
    const { ledger } = fakeLedger();
    const { publisher, sent } = fakePublisher({ 'reviews.raw': 3 });
    // Act
    const report = await redrive([letter(0), letter(0, { from: 'copy' })], options, {
      ledger,
      publisher,
      now,
    });
    // Assess
    expect(sent).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({ redriven: 1, already: 1 });
  });

  it('writes nothing on a dry run, and counts what --flow and --where leave out', async () => {
    // Prepare
    const { ledger, recorded } = fakeLedger();
    const { publisher, sent } = fakePublisher({ 'reviews.raw': 3 });
    const args = parseRedriveArgs([
      'dlq',
      '--dry-run',
      '--flow',
      'cleanse-reviews',
      '--where',
      'class=ValidationError',
    ]);
    // Act
    const report = await redrive(
      [letter(0), letter(1, { flow: 'lake-sink' }), letter(2, { errorClass: 'X' })],
      args,
      {
        ledger,
        publisher,
        now,
      },
    );
    // Assess
    expect(sent).toEqual([]);
    expect(recorded).toEqual([]);
    expect(report).toMatchObject({ read: 3, filteredOut: 2 });
    expect(formatReport(report, 'dlq')).toBe(
      [
        'dry run (nothing written): dlq: 3 record(s) read, 2 left out by --flow/--where',
        'flow             stage     class            reason      to           would redrive  already redriven  not redrivable',
        'cleanse-reviews  validate  ValidationError  bad rating  reviews.raw              1                 0               0',
        'total                                                                            1                 0               0',
      ].join('\n'),
    );
  });
});

describe('redrive arguments', () => {
  it('tells a topic, an S3 location and a folder apart, and reads every option', () => {
    // Act
    const topic = parseRedriveArgs(['reviews.dlq', '--where', 'stage=validate', '--where', 'reason~=rating']);
    const s3 = parseRedriveArgs(['s3://bucket/_sluice/failed/', '--remote', '--stack', 'Prod', '--to', 't']);
    const folder = parseRedriveArgs([
      '.local/on-failure/enrich-reviews',
      '--ledger',
      'mine',
      '--from-source',
    ]);
    // Assess
    expect(topic).toMatchObject({
      from: { kind: 'topic', topic: 'reviews.dlq' },
      where: [
        { field: 'stage', op: '=', value: 'validate' },
        { field: 'reason', op: '~=', value: 'rating' },
      ],
      dryRun: false,
      remote: false,
      stack: 'SluiceFlows',
      ledger: '_sluice.redrive',
      fromSource: false,
    });
    expect(s3).toMatchObject({
      from: { kind: 's3', bucket: 'bucket', prefix: '_sluice/failed/' },
      remote: true,
      stack: 'Prod',
      to: 't',
    });
    expect(folder).toMatchObject({
      from: { kind: 'folder', path: '.local/on-failure/enrich-reviews' },
      ledger: 'mine',
    });
  });

  it.each([
    [[], 'arguments: expected one dead-letter topic or failed-batch location, got 0'],
    [['a', 'b'], 'arguments: expected one dead-letter topic or failed-batch location, got 2'],
    [['dlq', '--where', 'colour=red'], '--where colour=red: expected stage=S, class=C or reason~=TEXT'],
    [['dlq', '--bogus'], "arguments: Unknown option '--bogus'"],
    [['s3:bucket'], 's3:bucket: expected s3://bucket/prefix'],
  ])('rejects %j with a ConfigError naming the argument', (argv, message) => {
    // Act
    const parse = () => parseRedriveArgs(argv);
    // Assess
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(message);
  });
});
