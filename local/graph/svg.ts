import { spawnSync } from 'node:child_process';
import { MissingPrerequisiteError } from '../services/prerequisites.ts';

/** What to do when `dot` is missing: one line, naming the package. */
export const GRAPHVIZ_HINT =
  'Graphviz `dot` is needed to render SVG: run `npm run setup` (as root, it installs it with apt-get) or `apt-get install graphviz`';

/** Whether Graphviz's `dot` runs here. */
export const hasDot = (command = 'dot'): boolean => {
  const result = spawnSync(command, ['-V'], { encoding: 'utf8' });
  return result.error === undefined && result.status === 0;
};

/** Renders DOT to SVG with Graphviz's `dot`; a missing `dot` is a MissingPrerequisiteError naming graphviz. */
export const renderSvg = (dot: string, command = 'dot'): string => {
  const result = spawnSync(command, ['-Tsvg'], { input: dot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
    throw new MissingPrerequisiteError(GRAPHVIZ_HINT);
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(`dot -Tsvg failed (exit ${result.status}): ${result.stderr.trim()}`);
  return result.stdout;
};
