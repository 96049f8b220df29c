import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check } from 'recheck';
import ts from 'typescript';
import { beforeAll, describe, expect, it, vi } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const sharedDir = join(root, 'shared');

/** One regular expression found in the source, or one that cannot be checked because its pattern is computed. */
interface FoundRegex {
  readonly where: string;
  readonly source?: string;
  readonly flags: string;
}

const literalText = (node: ts.Node | undefined): string | undefined =>
  node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
    ? node.text
    : undefined;

const isRegExpConstructor = (callee: ts.Expression): boolean =>
  (ts.isIdentifier(callee) && callee.text === 'RegExp') ||
  (ts.isPropertyAccessExpression(callee) &&
    callee.name.text === 'RegExp' &&
    ts.isIdentifier(callee.expression) &&
    callee.expression.text === 'globalThis');

/** Every regular expression literal and `RegExp(...)`/`new RegExp(...)` of one TypeScript file, parsed (not grepped). */
const regexesOf = (fileName: string, text: string): FoundRegex[] => {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: FoundRegex[] = [];
  const where = (node: ts.Node) =>
    `${fileName}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const literal = node.getText(file);
      const end = literal.lastIndexOf('/');
      found.push({ where: where(node), source: literal.slice(1, end), flags: literal.slice(end + 1) });
    } else if (
      (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
      isRegExpConstructor(node.expression)
    ) {
      const [pattern, flags] = node.arguments ?? [];
      // A literal argument (`new RegExp(/x/, 'g')`) is collected when its argument is visited.
      if (pattern === undefined || !ts.isRegularExpressionLiteral(pattern)) {
        found.push({ where: where(node), source: literalText(pattern), flags: literalText(flags) ?? '' });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
};

const typescriptFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typescriptFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });

/** recheck's verdict in one line: `safe`, or why not (its attack string when it has one). */
const verdict = async (regex: FoundRegex): Promise<string> => {
  if (regex.source === undefined) return 'computed pattern: recheck cannot vouch for it';
  const result = await check(regex.source, regex.flags, { timeout: 30_000 });
  if (result.status === 'safe') return 'safe';
  if (result.status === 'vulnerable')
    return `vulnerable (${result.complexity.summary}), attack ${result.attack.pattern}`;
  return `unknown (${result.error.kind})`;
};

describe('regular expressions in shared/', () => {
  beforeAll(() => {
    // recheck's Scala.js build, in this process: no Java, no native agent, no network (npm skips install scripts).
    vi.stubEnv('RECHECK_BACKEND', 'pure');
  });

  it('finds literals, RegExp calls and computed patterns in TypeScript source', () => {
    // Prepare
    const text = [
      "const a = /^[a-z]+$/i; // '/not/ a regex'",
      "const b = new RegExp('(x+)+y', 'u');",
      'const c = RegExp(`^\\\\d$`);',
      'const d = new RegExp(prefix + "x");',
      "const e = 'a/b/c'.split('/');",
    ].join('\n');
    // Act
    const found = regexesOf('sample.ts', text);
    // Assess
    expect(found).toEqual([
      { where: 'sample.ts:1', source: '^[a-z]+$', flags: 'i' },
      { where: 'sample.ts:2', source: '(x+)+y', flags: 'u' },
      { where: 'sample.ts:3', source: '^\\d$', flags: '' },
      { where: 'sample.ts:4', source: undefined, flags: '' },
    ]);
  });

  it('reports the email pattern that backtracked, and the computed pattern, as not safe', async () => {
    // Act
    const backtracking = await verdict({ where: 'old', source: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$', flags: '' });
    const computed = await verdict({ where: 'computed', flags: '' });
    // Assess
    expect(backtracking).toMatch(/^vulnerable \(.*polynomial/);
    expect(computed).not.toBe('safe');
  });

  it('are every one safe by recheck (linear time on any input), named file:line otherwise', async () => {
    // Prepare
    const regexes = typescriptFiles(sharedDir).flatMap((path) =>
      regexesOf(relative(root, path), readFileSync(path, 'utf8')),
    );
    // Act
    const unsafe: string[] = [];
    for (const regex of regexes) {
      const result = await verdict(regex);
      if (result !== 'safe') unsafe.push(`${regex.where} /${regex.source}/${regex.flags}: ${result}`);
    }
    // Assess
    expect(regexes.length).toBeGreaterThan(20);
    expect(unsafe).toEqual([]);
  }, 300_000);
});
