import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { GlueClient } from '@aws-sdk/client-glue';
import { parseSchemaText, type SchemaFormat } from '../../../shared/schemas/codecs.ts';
import { compatibility, modeOf, satisfies } from '../../../shared/schemas/compatibility.ts';
import type { GlueRegistryRef } from '../../../shared/schemas/registry.ts';
import type { Topology } from '../../../shared/topology/topology.ts';

/** A schema file's format by its extension; its subject (Glue schema name) is the file name without it. */
const FORMATS: Readonly<Record<string, SchemaFormat>> = {
  '.avsc': 'avro',
  '.proto': 'protobuf',
  '.json': 'json-schema',
};

export interface SubjectReport {
  readonly subject: string;
  readonly file: string;
  /** FULL, BACKWARD, FORWARD or NONE; `new` when the registry has no version yet. */
  readonly mode: string;
  /** What the registry requires of new versions (the schema's Compatibility). */
  readonly required: string;
  readonly broken: boolean;
  readonly reasons: readonly string[];
}

/** One subject to check: its schema text from the repository, and where that text comes from. */
export interface SubjectSchema {
  readonly subject: string;
  /** The file, or the topology path, the text comes from. */
  readonly file: string;
  readonly format: SchemaFormat;
  readonly text: string;
  readonly registry: GlueRegistryRef;
}

/** The schema files of a folder, each parsed (a syntax error is a ConfigError naming the file and the line). */
export const schemaFiles = (
  dir: string,
): { subject: string; file: string; format: SchemaFormat; text: string }[] =>
  readdirSync(dir)
    .filter((name) => FORMATS[extname(name)] !== undefined)
    .sort()
    .map((name) => {
      const file = join(dir, name);
      const format = FORMATS[extname(name)] as SchemaFormat;
      const text = readFileSync(file, 'utf8');
      parseSchemaText(format, text, file);
      return { subject: name.slice(0, -extname(name).length), file, format, text };
    });

/**
 * The schemas a topology declares on Glue registry topics: each topic's `schema`, as the subject named after the
 * topic (what `npm start` registers and `registryEncoding` looks up).
 */
export const topologySchemas = (topology: Pick<Topology, 'topics'>): SubjectSchema[] =>
  topology.topics.flatMap((topic) =>
    topic.registry?.type === 'glue' && topic.schema !== undefined
      ? [
          {
            subject: topic.name,
            file: `topics.${topic.name}.schema`,
            format: topic.format as SchemaFormat,
            text: topic.schema,
            registry: topic.registry,
          },
        ]
      : [],
  );

/**
 * Compares each schema file with the latest version its subject has in the Glue registry, by the format's rules
 * (Avro resolution; Protobuf field numbers), and says whether the registry's compatibility mode holds.
 */
export const checkSchemas = (
  dir: string,
  glue: Pick<GlueClient, 'send'>,
  registry: GlueRegistryRef,
): Promise<SubjectReport[]> =>
  checkSubjects(
    schemaFiles(dir).map((f) => ({ ...f, registry })),
    glue,
  );

/** Compares each subject's schema with the latest version its registry holds (see checkSchemas). */
export const checkSubjects = async (
  subjects: readonly SubjectSchema[],
  glue: Pick<GlueClient, 'send'>,
): Promise<SubjectReport[]> => {
  const { GetSchemaCommand, GetSchemaVersionCommand } = await import('@aws-sdk/client-glue');
  const reports: SubjectReport[] = [];
  for (const { subject, file, format, text, registry } of subjects) {
    const schemaId = { RegistryName: registry.name, SchemaName: subject };
    let latest: string | undefined;
    let required = 'BACKWARD';
    try {
      const schema = await glue.send(new GetSchemaCommand({ SchemaId: schemaId }));
      required = schema.Compatibility ?? required;
      const version = await glue.send(
        new GetSchemaVersionCommand({ SchemaId: schemaId, SchemaVersionNumber: { LatestVersion: true } }),
      );
      latest = version.SchemaDefinition;
    } catch (error) {
      if ((error as { name?: string }).name !== 'EntityNotFoundException') throw error;
    }
    if (latest === undefined) {
      reports.push({ subject, file, mode: 'new', required, broken: false, reasons: [] });
      continue;
    }
    const c = compatibility(format, latest, text);
    reports.push({
      subject,
      file,
      mode: modeOf(c),
      required,
      broken: !satisfies(c, required),
      reasons: c.reasons,
    });
  }
  return reports;
};
