import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flow } from '../../../functions/cleanse-reviews.ts';
import { testFlow } from '../../../shared/testing/index.ts';

const review = {
  reviewId: 'r-1',
  customerId: 'c-1',
  productId: 'p-1',
  rating: 4,
  title: '  works  ',
  text: 'quiet and sturdy',
  source: 'app',
  country: 'United Kingdom',
  email: '  Someone@Example.COM ',
  phone: '020 7946 0958',
  createdAt: '2026-11-30T10:00:00Z',
};

describe('cleanse-reviews', () => {
  it('writes a valid review to reviews.clean with country, email, phone and title standardised and the phone masked', async () => {
    // Prepare
    const driver = testFlow(flow);
    // Act
    const result = await driver.send([{ key: 'r-1', value: review, headers: { 'source-system': 'app' } }]);
    // Assess
    expect(result.deadLetters).toEqual([]);
    const [clean] = result.outputs['reviews.clean'] ?? [];
    expect(clean).toMatchObject({
      key: 'r-1',
      headers: { 'source-system': 'app' },
      source: { topic: 'reviews.raw', partition: 0, offset: 0 },
    });
    expect(clean?.value).toMatchObject({
      reviewId: 'r-1',
      country: 'GB',
      email: 'someone@example.com',
      title: 'works',
    });
    expect(clean?.value).toMatchObject({ phone: expect.stringMatching(/0958$/) });
    expect(clean?.value).toMatchObject({ phone: expect.not.stringContaining('7946') });
  });

  it('dead-letters a review with a rating out of range at validate, with its original value, and keeps the rest of the batch', async () => {
    // Prepare
    const driver = testFlow(flow);
    // Act
    const result = await driver.send([
      { key: 'r-1', value: review },
      { key: 'r-2', value: { ...review, reviewId: 'r-2', rating: 9 } },
      { key: 'r-3', value: { ...review, reviewId: 'r-3' } },
    ]);
    // Assess
    expect(result.outputs['reviews.clean']?.map((r) => r.key)).toEqual(['r-1', 'r-3']);
    expect(result.deadLetters).toEqual([
      expect.objectContaining({
        stage: 'validate',
        errorClass: 'ValidationError',
        key: 'r-2',
        value: expect.objectContaining({ rating: 9 }),
        source: { topic: 'reviews.raw', partition: 0, offset: 1 },
      }),
    ]);
    expect(result.deadLetters[0]?.reason).toContain('rating');
    expect(result.summary).toMatchObject({
      recordsIn: 3,
      deadLettered: 1,
      deadLettersByStage: { validate: 1 },
    });
  });

  it('dead-letters a value that is not JSON at decode and a tombstone at validate (tier 2 has no deletes)', async () => {
    // Prepare
    const driver = testFlow(flow);
    // Act
    const result = await driver.send([
      { key: 'bad', value: '{"reviewId": ' },
      { key: 'gone', value: null },
    ]);
    // Assess
    expect(result.deadLetters.map((d) => [d.key, d.stage, d.errorClass])).toEqual([
      ['bad', 'decode', 'DecodeError'],
      ['gone', 'validate', 'ValidationError'],
    ]);
    expect(result.deadLetters[0]?.value).toBe('{"reviewId": ');
    expect(result.outputs['reviews.clean']).toEqual([]);
  });

  it('handles the sample invoke payload as `npm run invoke` would: two clean reviews, three dead letters by stage', async () => {
    // Prepare
    const driver = testFlow(flow);
    const payload = readFileSync(
      new URL('../../../events/invoke/cleanse-reviews.json', import.meta.url),
      'utf8',
    );
    // Act
    const result = await driver.sendEvent(payload);
    // Assess
    expect(result.summary).toEqual({
      recordsIn: 5,
      out: { 'reviews.clean': 2 },
      filtered: 0,
      deadLettered: 3,
      deadLettersByStage: { decode: 1, step: 1, validate: 1 },
    });
    expect(result.deadLetters.map((d) => d.key)).toEqual(['bad-json', 'bad-country', 'bad-tombstone']);
    expect(result.outputs['reviews.clean']?.map((r) => r.source.offset)).toEqual([1200, 1201]);
  });

  it('gives records increasing offsets per partition across sends and the create times asked for', async () => {
    // Prepare
    const driver = testFlow(flow, { startTime: '2026-11-30T00:00:00Z' });
    await driver.send([{ key: 'r-1', value: review }]);
    // Act
    const result = await driver.send([
      { key: 'r-2', value: review },
      { key: 'r-3', value: review, partition: 2 },
    ]);
    // Assess
    expect(result.outputs['reviews.clean']?.map((r) => r.source)).toEqual([
      { topic: 'reviews.raw', partition: 0, offset: 1 },
      { topic: 'reviews.raw', partition: 2, offset: 0 },
    ]);
  });
});
