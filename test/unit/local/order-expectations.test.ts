import { describe, expect, it } from 'vitest';
import { orderExpectationsFor, ordersInLake } from '../../../local/runner/expectations.ts';

const expected = orderExpectationsFor();
const rowsOf = () => [...expected.byId.values()].map((o) => structuredClone(o) as Record<string, unknown>);

describe("npm start's check of the orders in the lake", () => {
  it('expects every good sample order as a row and the two bad ones as dead letters', () => {
    expect([expected.byId.size, expected.deadLetters]).toEqual([300, 2]);
  });

  it('counts an order once it has a row equal to it, field for field, nested lines included', () => {
    // Prepare
    const rows = rowsOf();
    (rows[0]!.lines as { quantity: number }[])[0]!.quantity += 1;
    rows[1]!.orderTime = (rows[1]!.orderTime as number) + 1;
    // Act
    const seen = ordersInLake(rows, expected);
    // Assess
    expect(seen).toEqual({ equal: 298, rows: 298 });
  });

  it('counts a duplicate row, so a lake holding an order twice fails the check', () => {
    // Prepare
    const rows = rowsOf();
    // Act
    const seen = ordersInLake([...rows, rows[5]!], expected);
    // Assess
    expect(seen).toEqual({ equal: 300, rows: 301 });
  });
});
