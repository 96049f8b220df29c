import { ConfigError } from '../shared/errors.ts';

/**
 * A generated section of a Markdown file, between `<!-- <name>:begin -->` and `<!-- <name>:end -->`: the
 * topology diagram (`npm run graph`) and the cost report (`npm run bench -- cost`) live in the README this way.
 */
export const readmeSection = (name: string) => {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const span = (readme: string, path: string): { start: number; end: number } => {
    const start = readme.indexOf(begin);
    const stop = readme.indexOf(end);
    if (start < 0 || stop < start)
      throw new ConfigError(path, `needs the markers ${begin} and ${end}, in that order`);
    return { start, end: stop + end.length };
  };
  return {
    begin,
    end,
    /** The section as it stands (markers included). */
    current: (readme: string, path = 'README.md'): string => {
      const s = span(readme, path);
      return readme.slice(s.start, s.end);
    },
    /** The file with the section replaced by `block` (markers included); everything outside untouched. */
    replace: (readme: string, block: string, path = 'README.md'): string => {
      const s = span(readme, path);
      return `${readme.slice(0, s.start)}${block}${readme.slice(s.end)}`;
    },
  };
};
