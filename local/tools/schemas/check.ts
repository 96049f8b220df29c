import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { GlueClient } from '@aws-sdk/client-glue';
import { parseSchemaText, type SchemaFormat } from '../../../shared/schemas/codecs.ts';
import { compatibility, modeOf, satisfies } from '../../../shared/schemas/compatibility.ts';
import type { GlueRegistryRef } from '../../../shared/schemas/registry.ts';

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
 * Compares each schema file with the latest version its subject has in the Glue registry, by the format's rules
 * (Avro resolution; Protobuf field numbers), and says whether the registry's compatibility mode holds.
 */
export const checkSchemas = async (
  dir: string,
  glue: Pick<GlueClient, 'send'>,
  registry: GlueRegistryRef,
): Promise<SubjectReport[]> => {
  const { GetSchemaCommand, GetSchemaVersionCommand } = await import('@aws-sdk/client-glue');
  const reports: SubjectReport[] = [];
  for (const { subject, file, format, text } of schemaFiles(dir)) {
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
