import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import {
  durationMs,
  hopping,
  isClosed,
  resolveWindow,
  tumbling,
  windowsFor,
} from '../../../shared/stateful/window.ts';

describe('window math (Kafka Streams TimeWindows)', () => {
  it('puts a record in the one epoch-aligned tumbling window [start, start + size) that holds it', () => {
    // Prepare
    const hour = resolveWindow(tumbling('1h'), 'window');
    // Act
    const at = (t: number) => windowsFor(hour, t);
    // Assess
    expect(at(0)).toEqual([{ start: 0, end: 3_600_000 }]);
    expect(at(3_599_999)).toEqual([{ start: 0, end: 3_600_000 }]);
    expect(at(3_600_000)).toEqual([{ start: 3_600_000, end: 7_200_000 }]);
  });

  it('puts a record in every hopping window that holds it, oldest first, none starting before the epoch', () => {
    // Prepare
    const window = resolveWindow(hopping(10, 4), 'window');
    // Act
    const early = windowsFor(window, 3);
    const later = windowsFor(window, 21);
    // Assess: starts at multiples of 4 with start <= t < start + 10
    expect(early).toEqual([{ start: 0, end: 10 }]);
    expect(later).toEqual([
      { start: 12, end: 22 },
      { start: 16, end: 26 },
      { start: 20, end: 30 },
    ]);
  });

  it('closes a window once stream time less grace reaches its end, not before', () => {
    // Prepare
    const end = 100;
    // Act
    const open = isClosed(end, 109, 10);
    const closed = isClosed(end, 110, 10);
    // Assess
    expect(open).toBe(false);
    expect(closed).toBe(true);
  });

  it('reads durations as milliseconds or text with one unit', () => {
    // Prepare
    const inputs = [1500, '250ms', '30s', '10m', '1h', '2d'] as const;
    // Act
    const ms = inputs.map((d) => durationMs(d, 'x'));
    // Assess
    expect(ms).toEqual([1500, 250, 30_000, 600_000, 3_600_000, 172_800_000]);
  });

  it('rejects a negative or malformed duration at its path', () => {
    // Prepare
    const bad = [-1, 1.5, '1 hour', '-5m', 'h', Number.NaN];
    // Act
    const errors = bad.map((d) => {
      try {
        durationMs(d, 'flows.f.steps[0].grace');
        return undefined;
      } catch (error) {
        return error;
      }
    });
    // Assess
    for (const error of errors) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).path).toBe('flows.f.steps[0].grace');
    }
  });

  it('rejects a hopping advance larger than the size, and zero sizes, naming the field', () => {
    // Prepare
    const tooFar = hopping('1m', '2m');
    const empty = tumbling(0);
    // Act
    const advance = () => resolveWindow(tooFar, 'flows.f.steps[0].window');
    const size = () => resolveWindow(empty, 'flows.f.steps[0].window');
    // Assess
    expect(advance).toThrow(/flows\.f\.steps\[0\]\.window\.advance: must not exceed the size/);
    expect(size).toThrow(/flows\.f\.steps\[0\]\.window\.size: must be longer than 0 ms/);
  });
});
