/** Identity of a key: numbers and strings kept apart, sort key (if any) included. */
export const keyId = (pk: string | number, sk?: string | number): string =>
  sk === undefined ? `${typeof pk}:${pk}` : `${typeof pk}:${pk}\u0000${typeof sk}:${sk}`;
