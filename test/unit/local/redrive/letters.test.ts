import { describe, expect, it } from 'vitest';
import { deadLetterOf, type ReadMessage } from '../../../../local/tools/redrive/dead-letters.ts';
import { failedBatchLetters } from '../../../../local/tools/redrive/failed-batches.ts';
import { whyMissing } from '../../../../local/tools/redrive/from-source.ts';
import { kafkajsHeaders } from '../../../../local/tools/redrive/publish.ts';
import { headerList } from '../../../../local/tools/redrive/topic-scan.ts';
import type { RecordHeader } from '../../../../shared/record.ts';

const h = (key: string, value: string | Buffer): RecordHeader => ({
  key,
  value: typeof value === 'string' ? Buffer.from(value) : value,
});
const names = (headers: readonly RecordHeader[]) =>
  headers.map((x) => `${x.key}=${x.value.toString('utf8')}`);

/** A dead letter as the handler writes it: original headers, this hop's lineage, then the context. */
const dlqMessage = (headers: RecordHeader[]): ReadMessage => ({
  topic: 'reviews.dlq',
  partition: 0,
  offset: 5,
  key: Buffer.from('k'),
  value: Buffer.from('{"rating":"x"}'),
  headers,
});
const context = [
  h('sluice.dlq.flow', 'enrich-reviews'),
  h('sluice.dlq.stage', 'validate'),
  h('sluice.dlq.component', 'v'),
  h('sluice.dlq.error-class', 'ValidationError'),
  h('sluice.dlq.error-message', 'rating: expected number'),
  h('sluice.dlq.source-topic', 'reviews.clean'),
  h('sluice.dlq.source-partition', '3'),
  h('sluice.dlq.source-offset', '42'),
  h('sluice.dlq.source-timestamp', '1'),
];
const hopLineage = (path: string) => [
  h('sluice.source.topic', 'reviews.clean'),
  h('sluice.source.partition', '3'),
  h('sluice.source.offset', '42'),
  h('sluice.flow', 'enrich-reviews'),
  h('sluice.path', path),
  h('sluice.origin.offset', '17'),
];

describe('a dead letter read back for redrive', () => {
  it('gives the original headers back: context gone, base64-carried binary headers restored, the lineage of the hop before', () => {
    // Prepare
    const binary = Buffer.from([0xff, 0x01]);
    const message = dlqMessage([
      h('trace', 't'),
      ...hopLineage('reviews.raw/1>reviews.clean/3'),
      h('sluice.dlq.header-base64.bin', binary.toString('base64')),
      h('sluice.redrive.from', 'an earlier redrive'),
      ...context,
    ]);
    // Act
    const letter = deadLetterOf(message);
    // Assess
    expect(letter).toMatchObject({
      id: 'reviews.dlq/0/5',
      from: 'reviews.dlq/0/5',
      flow: 'enrich-reviews',
      stage: 'validate',
      errorClass: 'ValidationError',
      reason: 'rating: expected number',
      source: { topic: 'reviews.clean', partition: 3, offset: 42 },
    });
    expect(letter.message?.key).toEqual(Buffer.from('k'));
    expect(letter.message?.value).toEqual(Buffer.from('{"rating":"x"}'));
    expect(letter.message?.headers.map((x) => x.key)).toEqual([
      'trace',
      'bin',
      'sluice.path',
      'sluice.origin.offset',
    ]);
    expect(letter.message?.headers[1]?.value).toEqual(binary);
    expect(names(letter.message?.headers.slice(2) ?? [])).toEqual([
      'sluice.path=reviews.raw/1',
      'sluice.origin.offset=17',
    ]);
  });

  it('drops the lineage of a record that entered Sluice on the topic it is redriven to', () => {
    // Prepare
    const message = dlqMessage([h('a', '1'), h('a', '2'), ...hopLineage('reviews.clean/3'), ...context]);
    // Act
    const letter = deadLetterOf(message);
    // Assess
    expect(names(letter.message?.headers ?? [])).toEqual(['a=1', 'a=2']);
  });

  it('keeps the raw binary header when it travelled beside its base64 copy', () => {
    // Prepare
    const raw = Buffer.from([0xfe]);
    const message = dlqMessage([
      h('bin', raw),
      h('sluice.dlq.header-base64.bin', raw.toString('base64')),
      ...context,
    ]);
    // Act
    const headers = deadLetterOf(message).message?.headers ?? [];
    // Assess
    expect(headers).toEqual([{ key: 'bin', value: raw }]);
  });

  it('is not redrivable when its value was omitted, and says where the original is', () => {
    // Prepare
    const message = dlqMessage([...context, h('sluice.dlq.value-omitted-bytes', '2000000')]);
    // Act
    const letter = deadLetterOf(message);
    // Assess
    expect(letter.message).toBeUndefined();
    expect(letter.notRedrivable).toBe(
      'value omitted (2000000 bytes): re-read it from reviews.clean partition 3 offset 42 if still retained',
    );
  });

  it('takes a record of a Kafka on-failure topic as it is, lineage included, naming no source', () => {
    // Prepare
    const message = dlqMessage([
      h('trace', 't'),
      h('sluice.path', 'reviews.raw/1'),
      h('sluice.origin.offset', '9'),
    ]);
    // Act
    const letter = deadLetterOf(message);
    // Assess
    expect(letter.source).toBeUndefined();
    expect(letter.stage).toBe('on-failure');
    expect(letter.message?.headers).toEqual(message.headers);
  });
});

describe('a failed-batch object read for redrive', () => {
  const invocation = (payload: unknown) =>
    JSON.stringify({
      requestContext: {
        functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:SluiceFlows-Enrich-ABC',
      },
      KafkaBatchInfo: { errorType: 'Runtime.ExitError', errorMessage: 'timed out' },
      payload,
    });
  const records = {
    records: {
      'reviews.clean-1': [
        {
          topic: 'reviews.clean',
          partition: 1,
          offset: 8,
          key: Buffer.from('k').toString('base64'),
          value: null,
          headers: [{ bin: [-1, 0] }, { t: [104] }],
        },
      ],
    },
  };

  it('yields each record with its bytes (signed header bytes too), its coordinates and the flow of its function', () => {
    // Act
    const [letter] = failedBatchLetters('s3://b/x.json', invocation(records), (fn) =>
      fn === 'SluiceFlows-Enrich-ABC' ? 'enrich-reviews' : undefined,
    );
    // Assess
    expect(letter).toMatchObject({
      id: 'failed:reviews.clean/1/8',
      from: 's3://b/x.json#reviews.clean-1@8',
      flow: 'enrich-reviews',
      stage: 'failed-batch',
      errorClass: 'Runtime.ExitError',
      reason: 'timed out',
      source: { topic: 'reviews.clean', partition: 1, offset: 8 },
    });
    expect(letter?.message).toEqual({
      key: Buffer.from('k'),
      value: null,
      headers: [h('bin', Buffer.from([0xff, 0])), h('t', 'h')],
    });
  });

  it('reads a payload stored as a JSON string the same way', () => {
    // Act
    const letters = failedBatchLetters('f.json', invocation(JSON.stringify(records)));
    // Assess
    expect(letters.map((l) => l.id)).toEqual(['failed:reviews.clean/1/8']);
  });

  it('reports an object that is not an invocation record, or a record whose bytes are not base64, as not redrivable', () => {
    // Act
    const [notJson] = failedBatchLetters('a.json', '{');
    const [notKafka] = failedBatchLetters('b.json', '{"hello":1}');
    const [badBytes] = failedBatchLetters(
      'c.json',
      invocation({
        records: { 't-0': [{ topic: 't', partition: 0, offset: 1, key: 'not base64!', value: null }] },
      }),
    );
    // Assess
    expect(notJson?.notRedrivable).toMatch(/^not JSON/);
    expect(notKafka?.notRedrivable).toMatch(/not a Kafka invocation record/);
    expect(badBytes?.notRedrivable).toBe('key or value is not valid base64');
  });
});

describe('headers between kafkajs and the ordered list', () => {
  it('reads repeated and prototype-named headers as kafkajs decodes them, without inherited members', () => {
    // Prepare: what kafkajs's decoder makes of `constructor: x`, `a: 1`, `a: 2`
    const decoded = { constructor: [Object, Buffer.from('x')], a: [Buffer.from('1'), Buffer.from('2')] };
    // Act
    const list = headerList(decoded as never);
    // Assess
    expect(names(list)).toEqual(['constructor=x', 'a=1', 'a=2']);
  });

  it('writes repeated names as arrays and `__proto__` as a name like any other', () => {
    // Act
    const headers = kafkajsHeaders([h('__proto__', 'p'), h('a', '1'), h('a', '2')]);
    // Assess
    expect(Object.keys(headers)).toEqual(['__proto__', 'a']);
    expect(headers.a).toEqual([Buffer.from('1'), Buffer.from('2')]);
    expect(Object.getPrototypeOf(headers)).toBeNull();
  });
});

describe('--from-source, when the original is not there', () => {
  it('says whether retention removed it, the partition does not exist, or the offset was never written', () => {
    // Prepare
    const at = { topic: 'reviews.clean', partition: 2, offset: 5 };
    // Act
    const reasons = [
      whyMissing(at, { from: 6, to: 9, low: 6 }),
      whyMissing(at, undefined),
      whyMissing(at, { from: 5, to: 5, low: 0 }),
    ];
    // Assess
    expect(reasons).toEqual([
      'reviews.clean partition 2 no longer retains offset 5 (it starts at 6)',
      'reviews.clean has no partition 2',
      'offset 5 of reviews.clean partition 2 was not found',
    ]);
  });
});
