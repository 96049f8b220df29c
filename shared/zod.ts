/**
 * The runtime's zod: `zod/mini`, tree-shakable, so a function bundle carries only the schemas it uses (tens of
 * KB) rather than all of classic zod (~440 KB with every message locale, parsed on every cold start). Import it
 * as a namespace (`import * as z from '../zod.ts'`) and only read its members: handing the namespace object on
 * as a value would make esbuild keep all of zod again.
 *
 * Classic zod installs its English messages on import; zod/mini installs none ("Invalid input"). Installing the
 * English locale here keeps the messages flows and dead letters have always had, e.g.
 * `rating: Invalid input: expected number, received string`, whichever zod a flow's own schemas are written in.
 */
import { config, never, unknown, type ZodMiniObject, ZodMiniType } from 'zod/mini';
import * as core from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';

/*
 * Objects that parse through zod's compiled fast path. Classic zod's objects generate a parser per shape
 * (`$ZodObjectJIT`); mini's interpret the shape, about twice as slow per record (1.5 vs 2.9 µs for the reference
 * review, measured with bench/runtime.ts's record). Validation runs on every record, so the runtime's objects
 * are mini objects built on the JIT core: same API, same tree-shaking, classic's speed.
 */
// Typed as plain functions: zod declares `init` as an assertion, which TypeScript will not call through a member.
const initJitObject = core.$ZodObjectJIT.init as (inst: unknown, def: unknown) => void;
const initMiniType = ZodMiniType.init as (inst: unknown, def: unknown) => void;
const ZodMiniObjectJIT: core.$constructor<ZodMiniObject> = core.$constructor(
  'ZodMiniObject',
  (inst: ZodMiniObject, def: core.$ZodObjectDef) => {
    initJitObject(inst, def);
    initMiniType(inst, def);
    core.util.installLazyProp(inst, 'shape', (self: ZodMiniObject) => self._zod.def.shape, false);
  },
);

type Shape = core.$ZodLooseShape;
type Params = string | core.$ZodObjectParams;

/** A JIT object; `catchall` decides what happens to unknown keys (absent: stripped). */
const jitObject = (shape: Shape, params: Params | undefined, catchall?: core.$ZodType): never =>
  new ZodMiniObjectJIT({
    type: 'object',
    shape,
    ...(catchall ? { catchall } : {}),
    ...core.util.normalizeParams(params),
  }) as never;

export function object<T extends Shape = Record<never, core.SomeType>>(
  shape?: T,
  params?: Params,
): ZodMiniObject<core.util.Writeable<T>, core.$strip> {
  return jitObject(shape ?? {}, params);
}

export function strictObject<T extends Shape>(
  shape: T,
  params?: Params,
): ZodMiniObject<core.util.Writeable<T>, core.$strict> {
  return jitObject(shape, params, never());
}

export function looseObject<T extends Shape>(
  shape: T,
  params?: Params,
): ZodMiniObject<core.util.Writeable<T>, core.$loose> {
  return jitObject(shape, params, unknown());
}
