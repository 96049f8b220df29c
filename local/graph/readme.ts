import { ConfigError } from '../../shared/errors.ts';

export const BEGIN_MARKER = '<!-- topology:begin -->';
export const END_MARKER = '<!-- topology:end -->';

/** What goes between the markers: a note that it is generated, and the diagram in a ```mermaid block. */
export const readmeBlock = (mermaid: string): string =>
  [
    BEGIN_MARKER,
    '<!-- generated from functions/topology.ts by `npm run graph -- --write`; edit the topology, not this -->',
    '```mermaid',
    mermaid.trimEnd(),
    '```',
    END_MARKER,
  ].join('\n');

const span = (readme: string, path: string): { start: number; end: number } => {
  const start = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < start) {
    throw new ConfigError(path, `needs the markers ${BEGIN_MARKER} and ${END_MARKER}, in that order`);
  }
  return { start, end: end + END_MARKER.length };
};

/** The README's diagram block as it stands (markers included). */
export const currentBlock = (readme: string, path = 'README.md'): string => {
  const { start, end } = span(readme, path);
  return readme.slice(start, end);
};

/** The README with its diagram block replaced by `block`; everything outside the markers untouched. */
export const withBlock = (readme: string, block: string, path = 'README.md'): string => {
  const { start, end } = span(readme, path);
  return `${readme.slice(0, start)}${block}${readme.slice(end)}`;
};
