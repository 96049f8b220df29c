export { toCountryCode } from './country.ts';
export { normaliseEmail } from './email.ts';
export { toE164 } from './phone.ts';
export { hashPii, type MaskOptions, maskPii, Secret, secret } from './pii.ts';
export { toEpochMillis, toIsoUtc } from './timestamp.ts';
