/** One record a sink wrote, as its replay guard remembers it (replay-guard.ts). */
export interface WrittenRecord {
  /** The record's lineage path, this hop included. */
  readonly path: string;
  /** Its offset in the first topic of the path. */
  readonly origin: number;
  /** 32-bit digest of its key and value bytes as they reached the sink. */
  readonly digest: number;
}

/** The records a sink partition wrote most recently, oldest first. */
export type ReplayMarks = readonly WrittenRecord[];

/**
 * Binary layout (marks are read and written once per batch, and must stay small):
 *   "SLRM" 0x02 · varint pathCount · (varint byteLength · UTF-8 path)* ·
 *   varint entryCount · (varint pathIndex · zigzag varint (origin − previous origin of that path) · uint32 digest)*
 * Origins along one path are close together, so the delta is usually one byte: ~6 bytes per record.
 */
const MAGIC = Buffer.from('SLRM\x02', 'latin1');

/** Origins above this are not remembered (the zigzag delta must stay an exact double); Kafka never gets there. */
export const MAX_REMEMBERED_ORIGIN = 2 ** 50;

class Writer {
  private buffer = Buffer.allocUnsafe(4096);
  length = 0;
  private room(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
  varint(value: number): void {
    this.room(8);
    let v = value;
    while (v >= 0x80) {
      this.buffer[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buffer[this.length++] = v;
  }
  bytes(bytes: Buffer): void {
    this.room(bytes.length);
    bytes.copy(this.buffer, this.length);
    this.length += bytes.length;
  }
  uint32(value: number): void {
    this.room(4);
    this.buffer.writeUInt32BE(value >>> 0, this.length);
    this.length += 4;
  }
  done(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/** Bytes of the varint of `value`. */
export const varintBytes = (value: number): number => {
  let n = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
};

/** Magic, version and the two counts (at most three bytes each for the sizes a window allows). */
export const encodedHeaderBytes = 5 + 3 + 3;

const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);
const unzigzag = (n: number): number => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);

export const encodeReplayMarks = (marks: ReplayMarks): Buffer => {
  const paths = new Map<string, number>();
  for (const { path } of marks) if (!paths.has(path)) paths.set(path, paths.size);
  const out = new Writer();
  out.bytes(MAGIC);
  out.varint(paths.size);
  for (const path of paths.keys()) {
    const bytes = Buffer.from(path, 'utf8');
    out.varint(bytes.length);
    out.bytes(bytes);
  }
  out.varint(marks.length);
  const previous = new Array<number>(paths.size).fill(0);
  for (const { path, origin, digest } of marks) {
    const index = paths.get(path) as number;
    out.varint(index);
    out.varint(zigzag(origin - (previous[index] as number)));
    previous[index] = origin;
    out.uint32(digest);
  }
  return out.done();
};

/**
 * The marks in `bytes`; empty for anything else (marks written by an earlier version, a truncated object):
 * forgetting marks only lets a copy through, it never drops a record.
 */
export const decodeReplayMarks = (data: Uint8Array): ReplayMarks => {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length < MAGIC.length || !MAGIC.equals(bytes.subarray(0, MAGIC.length))) return [];
  let at = MAGIC.length;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length || scale > 2 ** 56) throw new RangeError('truncated');
      const b = bytes[at++] as number;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
  };
  try {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const paths: string[] = [];
    for (let n = varint(); n > 0; n--) {
      const length = varint();
      if (at + length > bytes.length) throw new RangeError('truncated');
      paths.push(decoder.decode(bytes.subarray(at, at + length)));
      at += length;
    }
    const previous = new Array<number>(paths.length).fill(0);
    const marks: WrittenRecord[] = [];
    for (let n = varint(); n > 0; n--) {
      const index = varint();
      const path = paths[index];
      if (path === undefined) throw new RangeError('bad path index');
      const origin = (previous[index] as number) + unzigzag(varint());
      previous[index] = origin;
      if (at + 4 > bytes.length) throw new RangeError('truncated');
      const digest = bytes.readUInt32BE(at);
      at += 4;
      marks.push({ path, origin, digest });
    }
    return marks;
  } catch {
    return [];
  }
};
