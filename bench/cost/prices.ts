import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../../shared/errors.ts';

const price = z.strictObject({
  usd: z.number().nonnegative().nullable(),
  unit: z.string().min(1),
  source: z.url(),
  verified: z.union([z.string().min(1), z.literal(false)]),
});
const assumption = z.strictObject({ value: z.number().positive(), note: z.string().min(1) });

const PRICE_KEYS = [
  'lambdaArmGbSecond',
  'lambdaRequest',
  'lambdaEventPollerUnitHour',
  'cloudwatchLogsIngestionGb',
  'cloudwatchCustomMetricMonth',
  's3Put',
  's3Get',
  'dynamodbWriteUnit',
  'dynamodbReadUnit',
  'firehoseMskIngestionGb',
  'firehoseFormatConversionGb',
  'firehoseVpcDeliveryGb',
  'firehoseVpcAzHour',
  'mskConnectMcuHour',
  'fargateArmVcpuHour',
  'fargateArmGbHour',
] as const;
const ASSUMPTION_KEYS = [
  'lambdaMbPerVcpu',
  'busyTarget',
  'invokeOverheadMs',
  'topicSendMs',
  'dynamodbCallMs',
  's3RequestMs',
  'openSearchBulkMs',
  'platformLogBytesPerInvocation',
  'mskConnectMbPerSecPerMcu',
  'kafkaStreamsRecordsPerSecPerVcpu',
  'kafkaPollersPerEpu',
  'firehoseVpcAzs',
] as const;

const priceFile = z.strictObject({
  region: z.string().min(1),
  currency: z.literal('USD'),
  checked: z.iso.date(),
  note: z.string(),
  prices: z.strictObject(
    Object.fromEntries(PRICE_KEYS.map((k) => [k, price])) as Record<PriceKey, typeof price>,
  ),
  assumptions: z.strictObject(
    Object.fromEntries(ASSUMPTION_KEYS.map((k) => [k, assumption])) as Record<
      AssumptionKey,
      typeof assumption
    >,
  ),
});

export type PriceKey = (typeof PRICE_KEYS)[number];
export type AssumptionKey = (typeof ASSUMPTION_KEYS)[number];
export type PriceFile = z.infer<typeof priceFile>;

/** Dollars per unit (null: not known, so whatever needs it cannot be priced) and the model's assumptions. */
export interface PriceBook {
  readonly usd: Readonly<Record<PriceKey, number | null>>;
  readonly assume: Readonly<Record<AssumptionKey, number>>;
}

/** Checks a parsed price file: unknown, missing or ill-typed entries are a ConfigError naming their path. */
export const parsePrices = (data: unknown, path = 'bench/prices.json'): PriceFile => {
  const result = priceFile.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0] as z.core.$ZodIssue;
    const at = [path, ...issue.path.map(String)].join('.');
    throw new ConfigError(at, issue.message);
  }
  return result.data;
};

export const priceBook = (file: PriceFile): PriceBook => ({
  usd: Object.fromEntries(PRICE_KEYS.map((k) => [k, file.prices[k].usd])) as Record<PriceKey, number | null>,
  assume: Object.fromEntries(ASSUMPTION_KEYS.map((k) => [k, file.assumptions[k].value])) as Record<
    AssumptionKey,
    number
  >,
});

export const readPrices = (path: string): PriceFile => {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(path, `cannot be read as JSON: ${(error as Error).message}`);
  }
  return parsePrices(data, path);
};

/** A price the caller needs: a null one is a ConfigError naming the entry, so nothing is priced at $0 unknowingly. */
export const need = (book: PriceBook, key: PriceKey): number => {
  const usd = book.usd[key];
  if (usd === null)
    throw new ConfigError(
      `bench/prices.json.prices.${key}`,
      'has no price (usd is null): add it to price this',
    );
  return usd;
};
