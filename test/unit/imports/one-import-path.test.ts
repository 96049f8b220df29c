// A flow file takes everything from one module: shared/index.ts (zod keeps its namespace import, see README).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../cdk/bundling.ts';

const parse = (path: string): ts.SourceFile =>
  ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);

const specifiersOf = (file: ts.SourceFile): string[] =>
  file.statements.flatMap((s) =>
    (ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) &&
    s.moduleSpecifier &&
    ts.isStringLiteral(s.moduleSpecifier)
      ? [s.moduleSpecifier.text]
      : [],
  );

const functionsDir = join(projectRoot, 'functions');
const flowFiles = readdirSync(functionsDir).filter((f) => f.endsWith('.ts'));
const examplesDir = join(projectRoot, 'examples');
const exampleFiles = readdirSync(examplesDir, { recursive: true, encoding: 'utf8' }).filter(
  (f) => f.endsWith('.ts') && !f.includes('/events/'),
);

describe('the one import path', () => {
  it.each(flowFiles)(
    'functions/%s imports from shared/ only through shared/index.ts (and the zod namespace)',
    (name) => {
      // Prepare
      const file = parse(join(functionsDir, name));
      // Act
      const shared = specifiersOf(file).filter((s) => s.startsWith('../'));
      // Assess
      expect(shared.filter((s) => s !== '../shared/index.ts' && s !== '../shared/zod.ts')).toEqual([]);
    },
  );

  it.each(exampleFiles)(
    'examples/%s imports from shared/ only through shared/index.ts (and the zod namespace)',
    (name) => {
      // Prepare
      const file = parse(join(examplesDir, name));
      // Act
      const shared = specifiersOf(file).filter((s) => s.startsWith('../'));
      // Assess
      expect(shared.filter((s) => s !== '../../shared/index.ts' && s !== '../../shared/zod.ts')).toEqual([]);
    },
  );

  it('shared/index.ts holds re-exports only', () => {
    // Prepare
    const file = parse(join(projectRoot, 'shared', 'index.ts'));
    // Act
    const other = file.statements.filter((s) => !(ts.isExportDeclaration(s) && s.moduleSpecifier));
    // Assess
    expect(other.map((s) => s.getText(file))).toEqual([]);
  });

  it('shared/index.ts gives a flow file every builder it writes', async () => {
    // Prepare
    const index = await import('../../../shared/index.ts');
    const builders = [
      'defineFlow',
      'defineTopics',
      'defineTables',
      'defineBucket',
      'defineIndex',
      'defineTopology',
      'handlerFor',
      'filter',
      'map',
      'validate',
      'route',
      'cleanse',
      'enrich',
      'toTopic',
      'toS3',
      'toOpenSearch',
      'toTable',
      'where',
      'anyOf',
      'predicate',
      'secret',
    ];
    // Act
    const missing = builders.filter((name) => typeof (index as Record<string, unknown>)[name] !== 'function');
    // Assess
    expect(missing).toEqual([]);
  });
});
