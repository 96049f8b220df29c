import { readmeSection } from '../readme-section.ts';

const section = readmeSection('topology');
export const BEGIN_MARKER = section.begin;
export const END_MARKER = section.end;

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

/** The README's diagram block as it stands (markers included). */
export const currentBlock = section.current;

/** The README with its diagram block replaced by `block`; everything outside the markers untouched. */
export const withBlock = section.replace;
