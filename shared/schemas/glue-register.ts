import type { GlueClient } from '@aws-sdk/client-glue';
import { GlueDataFormat, type SchemaFormat } from './codecs.ts';
import type { GlueRegistryRef } from './registry.ts';

type Glue = Pick<GlueClient, 'send'>;

const isNotFound = (error: unknown): boolean =>
  (error as { name?: string }).name === 'EntityNotFoundException';

/**
 * The schema version id of `definition` under `schemaName`, by GetSchemaByDefinition (a producer's lookup at cold
 * start). Undefined when the registry holds no such version.
 */
export const glueVersionOf = async (
  glue: Glue,
  registry: GlueRegistryRef,
  schemaName: string,
  definition: string,
): Promise<string | undefined> => {
  const { GetSchemaByDefinitionCommand } = await import('@aws-sdk/client-glue');
  try {
    const found = await glue.send(
      new GetSchemaByDefinitionCommand({
        SchemaId: { RegistryName: registry.name, SchemaName: schemaName },
        SchemaDefinition: definition,
      }),
    );
    return found.SchemaVersionId;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
};

/**
 * Registers `definition` as a version of `schemaName` (creating the registry and the schema when missing) and
 * answers its version id; a definition already registered answers its existing id. For tools and opt-in
 * registration: a function only looks schemas up.
 */
export const registerGlueSchema = async (
  glue: Glue,
  registry: GlueRegistryRef,
  schemaName: string,
  format: SchemaFormat,
  definition: string,
): Promise<string> => {
  const existing = await glueVersionOf(glue, registry, schemaName, definition).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (existing !== undefined) return existing;
  const { CreateRegistryCommand, CreateSchemaCommand, RegisterSchemaVersionCommand } = await import(
    '@aws-sdk/client-glue'
  );
  try {
    const version = await glue.send(
      new RegisterSchemaVersionCommand({
        SchemaId: { RegistryName: registry.name, SchemaName: schemaName },
        SchemaDefinition: definition,
      }),
    );
    return version.SchemaVersionId as string;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  await glue.send(new CreateRegistryCommand({ RegistryName: registry.name })).catch((error: unknown) => {
    if ((error as { name?: string }).name !== 'AlreadyExistsException') throw error;
  });
  const created = await glue.send(
    new CreateSchemaCommand({
      RegistryId: { RegistryName: registry.name },
      SchemaName: schemaName,
      DataFormat: GlueDataFormat[format] as 'AVRO',
      Compatibility: 'BACKWARD',
      SchemaDefinition: definition,
    }),
  );
  return created.SchemaVersionId as string;
};
