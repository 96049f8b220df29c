import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { projectRoot } from '../../../cdk/bundling.ts';
import { readSettings } from '../../../cdk/context.ts';
import { addSluiceStacks, createSluiceApp, type SluiceStacks } from '../../../cdk/sluice-app.ts';
import type { Topology } from '../../../shared/topology/index.ts';
import { fixtureFunctionsDir } from './fixtures/topology.ts';

export interface Synthesized {
  readonly app: App;
  readonly stacks: SluiceStacks;
  readonly outdir: string;
  /** Stack name -> template file. */
  readonly templateFiles: ReadonlyMap<string, string>;
  readonly templates: ReadonlyMap<string, Template>;
  /** Every policy-validation finding (cdk-nag and CDK's own CloudFormation checks) not acknowledged. */
  readonly findings: readonly string[];
}

interface ValidationReport {
  readonly pluginReports: readonly {
    readonly pluginName: string;
    readonly violations: readonly {
      readonly ruleName: string;
      readonly description: string;
      readonly violatingConstructs: readonly { readonly constructPath: string }[];
    }[];
  }[];
}

/**
 * Synthesises the Sluice stacks for a topology with real NodejsFunction bundling (local esbuild) of the fixture
 * flow files and the AwsSolutions pack attached. Slow (seconds): call once per test file, in `beforeAll`.
 */
export const synthesize = (
  topology: Topology,
  context: Record<string, string>,
  functionsDir = fixtureFunctionsDir,
): Synthesized => {
  const outdir = mkdtempSync(join(tmpdir(), 'sluice-cdk-'));
  const app = createSluiceApp({ outdir, context });
  const stacks = addSluiceStacks(
    app,
    topology,
    readSettings((key) => context[key]),
    { functionsDir },
  );
  try {
    app.synth();
  } catch (error) {
    // Validation failures are reported through the report below; anything else is a real failure.
    if (!(error instanceof Error) || error.name !== 'ValidationFailed') throw error;
  }
  const reportFile = join(outdir, 'validation-report.json');
  const report: ValidationReport = existsSync(reportFile)
    ? JSON.parse(readFileSync(reportFile, 'utf8'))
    : { pluginReports: [] };
  const findings = report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map(
        (construct) => `${violation.ruleName} at ${construct.constructPath}: ${violation.description}`,
      ),
    ),
  );
  const all = [stacks.sandbox, stacks.data, stacks.flows].filter((stack) => stack !== undefined);
  const templateFiles = new Map(all.map((stack) => [stack.stackName, join(outdir, stack.templateFile)]));
  const templates = new Map(
    all.map((stack) => [
      stack.stackName,
      Template.fromJSON(JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8'))),
    ]),
  );
  return { app, stacks, outdir, templateFiles, templates, findings };
};

export const cfnLintBinary = join(projectRoot, '.servers', 'venv', 'bin', 'cfn-lint');

interface CfnLintMatch {
  readonly Level: string;
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Filename: string;
}

/** Runs cfn-lint on template files; returns its matches (errors and warnings). */
export const cfnLint = async (files: readonly string[]): Promise<CfnLintMatch[]> => {
  if (!existsSync(cfnLintBinary)) {
    throw new Error(`cfn-lint is not installed at ${cfnLintBinary}: run \`npm run setup\``);
  }
  try {
    const { stdout } = await promisify(execFile)(cfnLintBinary, ['--format', 'json', '--', ...files], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(stdout || '[]');
  } catch (error) {
    // cfn-lint exits non-zero when it finds anything; its JSON is still on stdout.
    const stdout = (error as { stdout?: string }).stdout;
    if (stdout) return JSON.parse(stdout);
    throw error;
  }
};

/** A template with asset hashes masked, so a snapshot changes when the infrastructure does, not the code. */
export const snapshotOf = (template: Template): unknown =>
  JSON.parse(JSON.stringify(template.toJSON()).replace(/[0-9a-f]{64}/g, '<asset-hash>'));

/** Resources of one type as [logicalId, properties] pairs. */
export const resourcesOf = (template: Template, type: string): [string, Record<string, unknown>][] =>
  Object.entries(template.findResources(type)).map(([id, resource]) => [
    id,
    (resource as { Properties?: Record<string, unknown> }).Properties ?? {},
  ]);
