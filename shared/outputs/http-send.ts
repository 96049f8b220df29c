/**
 * One HTTP request with Node's built-in fetch, and what its answer means for the records it carried. Redirects
 * are followed only to the same origin (307/308, method and body kept); the body of an answer is read only as far
 * as an excerpt, so an endpoint cannot make the flow hold a large error page.
 */

export const HttpOutcome = {
  Delivered: 'delivered',
  /** Throttled, a server error, a timeout or no answer: send the same request again after a wait. */
  Retry: 'retry',
  /** Refused whatever the records (credentials, a redirect elsewhere): fail the batch, keep the records. */
  Refused: 'refused',
  /** The records were refused (another 4xx): split the request, or dead-letter its one record. */
  Rejected: 'rejected',
} as const;

export type SendResult =
  | { readonly outcome: typeof HttpOutcome.Delivered; readonly status: number }
  | {
      readonly outcome: typeof HttpOutcome.Retry;
      readonly problem: string;
      readonly retryAfterMs?: number;
      /** The answer's status; none for a timeout or no answer. */
      readonly status?: number;
    }
  | { readonly outcome: typeof HttpOutcome.Refused; readonly problem: string; readonly status?: number }
  | { readonly outcome: typeof HttpOutcome.Rejected; readonly problem: string; readonly status: number };

export interface HttpSendRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Abort the request (and any redirect it follows) after this long; the answer then counts as a timeout. */
  readonly timeoutMs: number;
}

export type Fetch = typeof fetch;

/** At most this much of an answer's body goes into a dead letter's error message. */
export const EXCERPT_BYTES = 512;
/** A successful answer's body is read up to this much (so its connection can be reused), the rest discarded. */
const DRAIN_BYTES = 64 * 1024;
const MAX_REDIRECTS = 5;

/**
 * Delay asked for by a `Retry-After` header: whole seconds, or an HTTP date (relative to `now`). Undefined when
 * absent or malformed.
 */
export const retryAfterMs = (value: string | null, now: number): number | undefined => {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

/** Reads at most `max` bytes of a body and lets the rest go. */
export const readUpTo = async (response: Response, max: number): Promise<Buffer> => {
  const reader = response.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    while (length < max) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks, length);
      chunks.push(Buffer.from(value));
      length += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // A body cut short is still an excerpt; the status already says what happened.
  }
  return Buffer.concat(chunks, length).subarray(0, max);
};

const excerpt = async (response: Response): Promise<string> => {
  const bytes = await readUpTo(response, EXCERPT_BYTES + 1);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, EXCERPT_BYTES));
  return bytes.length > EXCERPT_BYTES ? `${text}…[truncated]` : text;
};

const describe = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const base = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return cause?.code ? `${base} (${cause.code})` : base;
};

const classify = async (response: Response, now: number): Promise<SendResult> => {
  const { status } = response;
  if (status >= 200 && status < 300) {
    await readUpTo(response, DRAIN_BYTES);
    return { outcome: HttpOutcome.Delivered, status };
  }
  const text = await excerpt(response);
  const problem = `answered ${status}${text ? `: ${text}` : ''}`;
  if (status === 429 || status === 408 || status >= 500) {
    const after = retryAfterMs(response.headers.get('retry-after'), now);
    return {
      outcome: HttpOutcome.Retry,
      problem,
      status,
      ...(after === undefined ? {} : { retryAfterMs: after }),
    };
  }
  // Credentials and proxies: every record would be refused alike.
  if (status === 401 || status === 403 || status === 407)
    return { outcome: HttpOutcome.Refused, problem, status };
  if (status >= 400) return { outcome: HttpOutcome.Rejected, problem, status };
  return { outcome: HttpOutcome.Refused, problem: `unexpected ${problem}`, status };
};

/** Sends one request; never throws (every failure is an outcome). */
export const sendHttp = async (
  request: HttpSendRequest,
  deps: { readonly fetch: Fetch; readonly now: () => number },
): Promise<SendResult> => {
  const signal = AbortSignal.timeout(Math.max(1, Math.floor(request.timeoutMs)));
  let url = request.url;
  try {
    for (let hop = 0; ; hop += 1) {
      const response = await deps.fetch(url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal,
      });
      if (response.status < 300 || response.status >= 400) return await classify(response, deps.now());
      await readUpTo(response, 0);
      const location = response.headers.get('location');
      const next =
        location === null ? undefined : URL.canParse(location, url.href) ? new URL(location, url) : undefined;
      if (!next || next.origin !== url.origin) {
        return {
          outcome: HttpOutcome.Refused,
          problem: `answered ${response.status} to ${next?.origin ?? location ?? 'nowhere'}: redirects to another origin are not followed`,
          status: response.status,
        };
      }
      // 301/302/303 let a client turn the request into a GET without its body: not a delivery.
      if ((response.status !== 307 && response.status !== 308) || hop >= MAX_REDIRECTS) {
        return {
          outcome: HttpOutcome.Refused,
          problem: `answered ${response.status}: only 307 and 308 redirects are followed, ${MAX_REDIRECTS} at most`,
          status: response.status,
        };
      }
      url = next;
    }
  } catch (error) {
    if (signal.aborted) {
      return { outcome: HttpOutcome.Retry, problem: `timed out after ${Math.floor(request.timeoutMs)} ms` };
    }
    return { outcome: HttpOutcome.Retry, problem: `no answer: ${describe(error)}` };
  }
};
