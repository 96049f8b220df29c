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
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
