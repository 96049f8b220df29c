import { describe, expect, it } from 'vitest';
import { compatibility, modeOf, satisfies } from '../../../shared/schemas/compatibility.ts';
import { reviewV1, reviewV2, reviewV3 } from './fixtures.ts';

const proto = (fields: string) => `syntax = "proto3";\npackage sluice;\nmessage Review { ${fields} }\n`;

describe('schema evolution by each format’s rules', () => {
  it('calls an Avro field added with a default FULL, and one added without a default FORWARD only', () => {
    // Act
    const withDefault = compatibility('avro', reviewV1, reviewV2);
    const withoutDefault = compatibility('avro', reviewV1, reviewV3);
    // Assess
    expect(modeOf(withDefault)).toBe('FULL');
    expect(modeOf(withoutDefault)).toBe('FORWARD');
    expect(satisfies(withoutDefault, 'BACKWARD')).toBe(false);
    expect(withoutDefault.reasons.join()).toContain('BACKWARD');
  });

  it('accepts Protobuf renames, additions and wire-compatible type changes, and breaks on a field number retyped', () => {
    // Prepare
    const v1 = proto('string reviewId = 1; int32 rating = 2;');
    // Act
    const renamedAndAdded = compatibility(
      'protobuf',
      v1,
      proto('string id = 1; int64 rating = 2; string note = 3;'),
    );
    const retyped = compatibility('protobuf', v1, proto('string reviewId = 1; string rating = 2;'));
    // Assess
    expect(modeOf(renamedAndAdded)).toBe('FULL');
    expect(modeOf(retyped)).toBe('NONE');
    expect(retyped.reasons).toEqual(['sluice.Review field 2: int32 became string']);
  });
});
