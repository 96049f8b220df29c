import { describe, expect, it } from 'vitest';
import {
  closeTime,
  emitsUnmatched,
  inWindow,
  isClosed,
  isExpired,
  pairRange,
  retentionMs,
  windowEnded,
} from '../../../shared/stateful/join-window.ts';

// An asymmetric window, so that a side mixing up before and after shows.
const w = { beforeMs: 30, afterMs: 5, graceMs: 10 };

describe('the join window', () => {
  it('pairs a right record from `before` ms ahead of the left one to `after` ms behind it, both ends included', () => {
    // Act
    const at = (right: number) => inWindow(w, 100, right);
    // Assess
    expect([at(69), at(70), at(100), at(105), at(106)]).toEqual([false, true, true, true, false]);
  });

  it("gives each side the other side's times it pairs with: the right side sees the window mirrored", () => {
    // Act
    const left = pairRange(w, 'left', 100);
    const right = pairRange(w, 'right', 100);
    // Assess
    expect(left).toEqual({ from: 70, to: 105 });
    expect(right).toEqual({ from: 95, to: 130 });
    expect(inWindow(w, right.from, 100) && inWindow(w, right.to, 100)).toBe(true);
    expect(inWindow(w, right.from - 1, 100) || inWindow(w, right.to + 1, 100)).toBe(false);
  });

  it('never looks before the epoch', () => {
    // Act
    const range = pairRange(w, 'left', 10);
    // Assess
    expect(range.from).toBe(0);
  });

  it("keeps a record for the window's size plus grace: expired once stream time reaches its time plus that", () => {
    // Act
    const retention = retentionMs(w);
    // Assess
    expect(retention).toBe(45);
    expect(isExpired(w, 100, 144)).toBe(false);
    expect(isExpired(w, 100, 145)).toBe(true);
  });

  it("ends a record's own window when stream time passes its time plus how far it looks ahead", () => {
    // Act
    const left = [windowEnded(w, 'left', 100, 105), windowEnded(w, 'left', 100, 106)];
    const right = [windowEnded(w, 'right', 100, 130), windowEnded(w, 'right', 100, 131)];
    // Assess
    expect(left).toEqual([false, true]);
    expect(right).toEqual([false, true]);
  });

  it('closes an unmatched record only when stream time is past its window end plus grace', () => {
    // Act
    const closes = closeTime(w, 'left', 100);
    // Assess
    expect(closes).toBe(115);
    expect(isClosed(w, 'left', 100, 115)).toBe(false);
    expect(isClosed(w, 'left', 100, 116)).toBe(true);
    expect(closeTime(w, 'right', 100)).toBe(140);
  });

  it('emits unmatched records of the left side in a left join and of both sides in an outer join', () => {
    // Act
    const emits = (['inner', 'left', 'outer'] as const).map((type) => [
      emitsUnmatched(type, 'left'),
      emitsUnmatched(type, 'right'),
    ]);
    // Assess
    expect(emits).toEqual([
      [false, false],
      [true, false],
      [true, true],
    ]);
  });
});
