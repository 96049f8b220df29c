import { toCountryCode } from '../cleanse/country.ts';
import { normaliseEmail } from '../cleanse/email.ts';
import { toE164 } from '../cleanse/phone.ts';
import { hashPii, type MaskOptions, maskPii, Secret } from '../cleanse/pii.ts';
import { toIsoUtc } from '../cleanse/timestamp.ts';
import { StepError } from '../errors.ts';
import type { FieldPath } from '../fields.ts';
import { isJsonObject } from '../filter/leaves.ts';
import { toConfigError } from '../topology/config-error.ts';
import * as z from '../zod.ts';
import { perRecordStep, withValue } from './per-record.ts';
import type { Loose, Step, StepResult } from './step.ts';

/**
 * How one field is cleansed.
 * @typeParam V - the record value type: a phone's `countryField` must be a field of it
 */
export type CleanseRule<V = Loose> =
  | 'country'
  | 'email'
  | 'timestamp'
  | 'trim'
  | { readonly phone: { readonly countryField?: FieldPath<V>; readonly defaultCountry?: string } }
  | { readonly mask: MaskOptions }
  | { readonly hash: Secret };

export const OnInvalid = { DeadLetter: 'deadLetter', Null: 'null', Keep: 'keep' } as const;
export type OnInvalid = (typeof OnInvalid)[keyof typeof OnInvalid];

/**
 * Options of the `cleanse` step.
 * @typeParam V - the record value type: every field path must be a field of it
 */
export interface CleanseOptions<V = Loose> {
  /**
   * The step's name in metrics, dead letters and the graph.
   * @default 'cleanse'
   * @example name: 'mask-phone'
   */
  readonly name?: string;
  /**
   * Field (dotted path) → rule, applied in this order: cleanse `country` before a phone rule that reads it.
   * @example fields: { country: 'country', phone: { phone: { countryField: 'country' } }, email: 'email' }
   */
  readonly fields: { readonly [P in FieldPath<V>]?: CleanseRule<V> };
  /**
   * A value a rule cannot make sense of: dead-letter the record, set the field to null, or keep it.
   * @default 'deadLetter'
   * @example onInvalid: 'null'
   */
  readonly onInvalid?: OnInvalid;
}

const ruleSchema = z.union([
  z.enum(['country', 'email', 'timestamp', 'trim']),
  z.strictObject({
    phone: z.strictObject({
      countryField: z.optional(z.string().check(z.minLength(1))),
      defaultCountry: z.optional(
        z.string().check(z.regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')),
      ),
    }),
  }),
  z.strictObject({
    mask: z.strictObject({
      keepLast: z.optional(z.int().check(z.minimum(0))),
      char: z.optional(z.string().check(z.length(1))),
    }),
  }),
  z.strictObject({
    hash: z.instanceof(Secret, { error: 'must be a secret(...) salt, never a plain string' }),
  }),
]);
const optionsSchema = z.strictObject({
  name: z.optional(z.string().check(z.minLength(1))),
  fields: z.record(z.string().check(z.regex(/^[^.]+(\.[^.]+)*$/, 'must be a dotted field path')), ruleSchema),
  onInvalid: z.optional(z.enum(Object.values(OnInvalid))),
});

type FieldFn = (current: unknown, value: Record<string, unknown>) => unknown;
/** Returned by a rule for a value it cannot cleanse. */
const INVALID: unique symbol = Symbol('invalid');

/**
 * Standardises fields for the tier-2 (cleansed) topics: countries → ISO 3166-1 alpha-2, phones → E.164 (national
 * numbers read in the record's country), emails trimmed and lower-cased, timestamps → ISO 8601 UTC, PII masked
 * or hashed (HMAC-SHA-256 with a salt from a `secret`). Missing and null fields are left alone. Tombstones pass.
 * @typeParam V - the value type, passed on as it is (a `mask` or `hash` rule makes a numeric field text)
 * @example cleanse({ fields: { country: 'country', email: 'email' } })
 */
export const cleanse = <V = Loose>(options: CleanseOptions<V>): Step<V, V> => {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw toConfigError(parsed.error, 'cleanse');
  const name = options.name ?? 'cleanse';
  const onInvalid = options.onInvalid ?? OnInvalid.DeadLetter;
  const salts = new Map<Secret, string>();
  // Checked above: every entry is a rule.
  const rules = options.fields as Readonly<Record<string, CleanseRule>>;
  const fields = Object.entries(rules).map(([path, rule]) => ({
    path,
    segments: path.split('.'),
    apply: compileRule(rule, salts),
  }));
  const secrets = Object.values(rules).flatMap((r) => (typeof r === 'object' && 'hash' in r ? [r.hash] : []));

  const inner = perRecordStep('cleanse', name, (record) => {
    const original = record.value;
    if (original === null) return record;
    if (!isJsonObject(original)) throw new StepError('cleanse needs a JSON object value');
    const value: Record<string, unknown> = { ...original };
    for (const field of fields) {
      const parent = parentOf(value, field.segments);
      if (parent === undefined) continue;
      const last = field.segments[field.segments.length - 1] as string;
      const current = parent[last];
      if (current === undefined || current === null) continue;
      const cleaned = field.apply(current, value);
      if (cleaned !== INVALID) parent[last] = cleaned;
      else if (onInvalid === OnInvalid.Null) parent[last] = null;
      else if (onInvalid === OnInvalid.DeadLetter) {
        throw new StepError(`${field.path}: cannot be cleansed (${describe(current)})`);
      }
    }
    return withValue(record, value);
  });

  if (secrets.length === 0) return inner;
  return {
    kind: inner.kind,
    name,
    async run(records, context): Promise<StepResult> {
      for (const s of secrets) if (!salts.has(s)) salts.set(s, await s.reveal());
      return inner.run(records, context);
    },
  };
};

/** The object holding the last path segment, copying nested objects on the way so the input stays untouched. */
const parentOf = (
  root: Record<string, unknown>,
  segments: readonly string[],
): Record<string, unknown> | undefined => {
  let node = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const child = node[segments[i] as string];
    if (!isJsonObject(child)) return undefined;
    const copy = { ...child };
    node[segments[i] as string] = copy;
    node = copy;
  }
  return node;
};

/** What a rule could not read, without echoing the value itself (it may be PII). */
const describe = (value: unknown): string =>
  typeof value === 'string' ? `a string of ${value.length} characters` : `a ${typeof value}`;

const orInvalid = (result: unknown): unknown => (result === undefined ? INVALID : result);

const compileRule = (rule: CleanseRule, salts: Map<Secret, string>): FieldFn => {
  if (rule === 'country') return (v) => orInvalid(toCountryCode(v));
  if (rule === 'email') return (v) => orInvalid(normaliseEmail(v));
  if (rule === 'timestamp') return (v) => orInvalid(toIsoUtc(v));
  if (rule === 'trim') return (v) => (typeof v === 'string' ? v.trim() : INVALID);
  if ('phone' in rule) {
    const { countryField, defaultCountry } = rule.phone;
    const segments = countryField?.split('.');
    return (v, value) => {
      const fromRecord = segments ? toCountryCode(readPath(value, segments)) : undefined;
      return orInvalid(toE164(v, fromRecord ?? defaultCountry));
    };
  }
  if ('mask' in rule) {
    const mask = rule.mask;
    return (v) => (typeof v === 'string' || typeof v === 'number' ? maskPii(String(v), mask) : INVALID);
  }
  const secret = rule.hash;
  return (v) => {
    const salt = salts.get(secret);
    if (salt === undefined) throw new StepError('salt not loaded');
    return typeof v === 'string' || typeof v === 'number' ? hashPii(String(v), salt) : INVALID;
  };
};

const readPath = (value: Record<string, unknown>, segments: readonly string[]): unknown => {
  let node: unknown = value;
  for (const s of segments) {
    if (!isJsonObject(node)) return undefined;
    node = node[s];
  }
  return node;
};
