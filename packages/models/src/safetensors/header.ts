// The safetensors layout: an 8-byte little-endian header length N, N bytes of JSON header, then the
// data section. The header maps tensor names to { dtype, shape, data_offsets: [begin, end) } with
// offsets relative to the data section, plus an optional "__metadata__" of string → string.
// Validation follows the Rust `safetensors` crate: offsets must tile the data section exactly (no
// overlap, no gap, nothing after the last tensor) and each span must equal shape × dtype size.
import { CheckpointError } from '../errors.ts';
import { dtypeBytes, isSafetensorsDtype, SAFETENSORS_DTYPES, tensorByteLength } from './dtype.ts';
import type { SafetensorsDtype } from './dtype.ts';

/** Largest header accepted (the Rust crate's limit): a larger length means a corrupt file. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor of a safetensors file. Offsets are absolute file positions (numbers: exact below 2^53). */
export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Position of the first byte in the file (8 + header length + data_offsets[0]). */
  fileOffset: number;
  byteLength: number;
}

export interface SafetensorsHeader {
  /** N, the JSON header's length in bytes. */
  headerBytes: number;
  /** 8 + N: where the data section starts. */
  dataOffset: number;
  /** Tensors in file order. */
  tensors: Map<string, TensorInfo>;
  /** The "__metadata__" entries, or null when absent. */
  metadata: Record<string, string> | null;
}

/** Reads N from the first 8 bytes and checks it against the file size. */
export function parseHeaderLength(prefix: Uint8Array, fileBytes: number, file: string): number {
  if (fileBytes < 8) {
    throw new CheckpointError(file, undefined, `truncated: the file is ${fileBytes} bytes, too short for the 8-byte header length`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new CheckpointError(file, undefined, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file, or corrupt)`);
  }
  if (n > BigInt(fileBytes - 8)) {
    throw new CheckpointError(file, undefined, `header length ${n} exceeds the file size (${fileBytes} bytes): the file is truncated or corrupt`);
  }
  if (n < 2n) throw new CheckpointError(file, undefined, `header length ${n} is too small for a JSON header`);
  return Number(n);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Parses and validates the JSON header against the file size. */
export function parseHeader(json: Uint8Array, fileBytes: number, file: string): SafetensorsHeader {
  const headerBytes = json.byteLength;
  const dataOffset = 8 + headerBytes;
  const dataBytes = fileBytes - dataOffset;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch (error) {
    throw new CheckpointError(file, undefined, 'the header is not valid UTF-8', { cause: error });
  }
  if (!text.startsWith('{')) throw new CheckpointError(file, undefined, 'the header does not start with "{" (not a safetensors file?)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(file, undefined, `the header is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isPlainObject(parsed)) throw new CheckpointError(file, undefined, 'the header must be a JSON object');

  let metadata: Record<string, string> | null = null;
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      if (!isPlainObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
        throw new CheckpointError(file, undefined, '"__metadata__" must be an object of string values');
      }
      metadata = value as Record<string, string>;
      continue;
    }
    const fail = (message: string): never => {
      throw new CheckpointError(file, name, message);
    };
    if (!isPlainObject(value)) fail('the header entry must be an object with dtype, shape and data_offsets');
    const entry = value as Record<string, unknown>;
    const { dtype, shape, data_offsets: offsets } = entry;
    if (!isSafetensorsDtype(dtype)) fail(`unknown dtype ${JSON.stringify(dtype)} (known: ${SAFETENSORS_DTYPES.join(', ')})`);
    if (!Array.isArray(shape) || !shape.every(isCount)) fail(`shape ${JSON.stringify(shape)} must be a list of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      fail(`data_offsets ${JSON.stringify(offsets)} must be two non-negative integers [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    const d = dtype as SafetensorsDtype;
    if (end < begin) fail(`data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataBytes) {
      fail(`data_offsets [${begin}, ${end}] go past the end of the data section (${dataBytes} bytes): the file is truncated or the header is wrong`);
    }
    const expected = tensorByteLength(d, shape as number[]);
    if (expected !== BigInt(end - begin)) {
      fail(`shape [${(shape as number[]).join(', ')}] of ${d} (${dtypeBytes(d)} bytes each) needs ${expected} bytes, but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    entries.push({ name, dtype: d, shape: shape as number[], begin, end });
  }

  // Offsets must tile [0, dataBytes) exactly. Zero-sized tensors sort before others at their offset.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: string | undefined;
  const tensors = new Map<string, TensorInfo>();
  for (const e of entries) {
    if (e.begin < cursor) {
      throw new CheckpointError(file, e.name, `data_offsets [${e.begin}, ${e.end}] overlap tensor "${previous}" (which ends at ${cursor})`);
    }
    if (e.begin > cursor) {
      throw new CheckpointError(file, e.name, `data_offsets [${e.begin}, ${e.end}] leave a gap of ${e.begin - cursor} bytes after ${previous === undefined ? 'the header' : `tensor "${previous}"`}`);
    }
    cursor = e.end;
    previous = e.name;
    tensors.set(e.name, { name: e.name, dtype: e.dtype, shape: e.shape, fileOffset: dataOffset + e.begin, byteLength: e.end - e.begin });
  }
  if (cursor !== dataBytes) {
    throw new CheckpointError(file, previous, `the file is ${fileBytes} bytes, but its tensors end at byte ${dataOffset + cursor} (${fileBytes - dataOffset - cursor} unexpected trailing bytes)`);
  }
  return { headerBytes, dataOffset, tensors, metadata };
}
