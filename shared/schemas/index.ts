export { type Codec, compileCodec, parseSchemaText, SchemaFormat } from './codecs.ts';
export { type RegistryDecoding, type RegistryDecodingOptions, registryDecoding } from './decoding.ts';
export {
  type GlueEncodingOptions,
  glueEncoding,
  type RegistryEncoding,
  type RegistryEncodingOptions,
  registryEncoding,
  type SchemaEncoder,
  type TopicEncoding,
} from './encoding.ts';
export { glueVersionOf, registerGlueSchema } from './glue-register.ts';
export { lakeColumnsOf } from './lake-columns.ts';
export {
  type BasicAuth,
  type ConfluentRegistryOptions,
  type ConfluentRegistryRef,
  confluentRegistry,
  type GlueRegistryOptions,
  type GlueRegistryRef,
  glueRegistry,
  isRegistryRef,
  type RegistryRef,
  type SecretAuth,
} from './registry.ts';
export {
  confluentSource,
  glueClient,
  glueSource,
  type SchemaSource,
  schemaSource,
  type WriterSchema,
} from './sources.ts';
export { confluentFrame, type Frame, glueFrame, parseFrame } from './wire.ts';
export { type SchemaEntry, WriterSchemas, type WriterSchemasOptions } from './writer-schemas.ts';
