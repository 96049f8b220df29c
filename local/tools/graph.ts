import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTopologyModule, type TopologyModule } from '../../cdk/topology-module.ts';
import { ConfigError } from '../../shared/errors.ts';
import { renderings } from '../graph/generate.ts';
import { currentBlock, withBlock } from '../graph/readme.ts';
import { renderSvg } from '../graph/svg.ts';
import { localDir, projectRoot } from '../services/paths.ts';
import { MissingPrerequisiteError } from '../services/prerequisites.ts';

const usage = `usage: npm run graph                    print the topology (functions/topology.ts, or SLUICE_TOPOLOGY's) as Mermaid
       npm run graph -- --write         update the diagram between the README's topology markers
       npm run graph -- --check         exit 1 when the README's diagram is not current
                        [--readme F]    another file with the topology markers than README.md
       npm run graph -- --dot           print it as Graphviz DOT
       npm run graph -- --svg [file]    render SVG with Graphviz (default .local/topology.svg)`;

const main = ({ topology, reference }: TopologyModule, argv: string[]): number => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      write: { type: 'boolean' },
      check: { type: 'boolean' },
      dot: { type: 'boolean' },
      svg: { type: 'boolean' },
      readme: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (positionals.length > (values.svg ? 1 : 0)) {
    console.error(usage);
    return 2;
  }
  const out = renderings(topology);
  const readmePath = values.readme ?? join(projectRoot, 'README.md');
  if ((values.write || values.check) && !reference && !values.readme) {
    // README.md carries the reference topology's diagram; another topology's goes to a file you name.
    console.error(
      `graph: --write and --check keep README.md's reference diagram: with SLUICE_TOPOLOGY add --readme F\n${usage}`,
    );
    return 2;
  }
  if (values.write || values.check) {
    const readme = readFileSync(readmePath, 'utf8');
    const shown = values.readme ?? 'README.md';
    const current = currentBlock(readme, shown) === out.readmeBlock;
    if (values.check) {
      console.log(
        current
          ? `${shown}: topology diagram is current`
          : `${shown}: topology diagram is out of date: run npm run graph -- --write`,
      );
      return current ? 0 : 1;
    }
    if (!current) writeFileSync(readmePath, withBlock(readme, out.readmeBlock, shown));
    console.log(`${shown}: topology diagram ${current ? 'already current' : 'updated'}`);
    return 0;
  }
  if (values.dot) {
    process.stdout.write(out.dot);
    return 0;
  }
  if (values.svg) {
    const file = positionals[0] ?? join(localDir, 'topology.svg');
    const svg = renderSvg(out.dot);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, svg);
    console.log(`wrote ${resolve(file)}`);
    return 0;
  }
  process.stdout.write(out.mermaid);
  return 0;
};

try {
  process.exitCode = main(await loadTopologyModule(), process.argv.slice(2));
} catch (error) {
  if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`graph: ${(error as Error).message}\n${usage}`);
    process.exitCode = 2;
  } else if (error instanceof MissingPrerequisiteError || error instanceof ConfigError) {
    console.error(`graph: ${error.message}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
