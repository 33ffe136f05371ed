// Writing safetensors files (used by `lrqk synth` and tests) and sharded checkpoints with an index.
// Tensors are laid out contiguously in the order given; the JSON header is padded with spaces to a
// multiple of 8 bytes, as the Rust crate does, so the data section starts 8-byte aligned.
// Files are written under a temporary name and renamed, so a crash never leaves a partial file.
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../errors.ts';
import { isSafetensorsDtype, SAFETENSORS_DTYPES, tensorByteLength } from './dtype.ts';
import type { SafetensorsDtype } from './dtype.ts';
import { INDEX_FILE } from './checkpoint.ts';

export interface TensorToWrite {
  name: string;
  dtype: SafetensorsDtype;
  shape: readonly number[];
  /** Raw little-endian bytes, exactly shape product × dtype size. */
  data: Uint8Array;
}

function validate(file: string, tensors: readonly TensorToWrite[]): void {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === '' || t.name === '__metadata__') throw new CheckpointError(file, t.name, 'invalid tensor name');
    if (seen.has(t.name)) throw new CheckpointError(file, t.name, 'duplicate tensor name');
    seen.add(t.name);
    if (!isSafetensorsDtype(t.dtype)) throw new CheckpointError(file, t.name, `unknown dtype ${JSON.stringify(t.dtype)} (known: ${SAFETENSORS_DTYPES.join(', ')})`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new CheckpointError(file, t.name, `shape [${t.shape.join(', ')}] must be non-negative integers`);
    const expected = tensorByteLength(t.dtype, t.shape);
    if (BigInt(t.data.byteLength) !== expected) {
      throw new CheckpointError(file, t.name, `data has ${t.data.byteLength} bytes, but shape [${t.shape.join(', ')}] of ${t.dtype} needs ${expected}`);
    }
  }
}

/** The header bytes (length prefix + padded JSON) for tensors laid out in order. */
function encodeHeader(tensors: readonly TensorToWrite[], metadata: Readonly<Record<string, string>> | undefined): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

/** Writes one safetensors file. `metadata` becomes the header's "__metadata__" (string values). */
export async function writeSafetensors(
  path: string,
  tensors: readonly TensorToWrite[],
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  validate(path, tensors);
  if (metadata !== undefined && !Object.values(metadata).every((v) => typeof v === 'string')) {
    throw new CheckpointError(path, undefined, '"__metadata__" values must be strings');
  }
  const temporary = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const handle = await open(temporary, 'w');
  try {
    await handle.write(encodeHeader(tensors, metadata));
    for (const t of tensors) {
      // write() may write less than asked for very large buffers; loop until done.
      let done = 0;
      while (done < t.data.byteLength) {
        const { bytesWritten } = await handle.write(t.data, done, Math.min(t.data.byteLength - done, 1 << 30));
        done += bytesWritten;
      }
    }
    await handle.close();
    await rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}

export interface ShardedWriteOptions {
  /** Largest shard data size in bytes (default 5 GB, transformers' default); a larger tensor gets a shard of its own. */
  maxShardBytes?: number;
  /** "__metadata__" of every shard (transformers writes { format: 'pt' }). */
  metadata?: Readonly<Record<string, string>>;
  /** File name prefix (default "model": model-00001-of-00002.safetensors). */
  prefix?: string;
}

export interface ShardedWriteResult {
  indexFile: string;
  shardFiles: string[];
  totalBytes: number;
}

/**
 * Writes tensors as shards of at most `maxShardBytes` into `dir`, in order, plus
 * `<prefix>.safetensors.index.json` with { metadata: { total_size }, weight_map }.
 */
export async function writeShardedSafetensors(
  dir: string,
  tensors: readonly TensorToWrite[],
  options: ShardedWriteOptions = {},
): Promise<ShardedWriteResult> {
  const maxShardBytes = options.maxShardBytes ?? 5_000_000_000;
  const prefix = options.prefix ?? 'model';
  const indexFile = join(dir, prefix === 'model' ? INDEX_FILE : `${prefix}.safetensors.index.json`);
  if (!(maxShardBytes > 0)) throw new CheckpointError(indexFile, undefined, `maxShardBytes must be positive, got ${maxShardBytes}`);
  validate(indexFile, tensors);

  const shards: TensorToWrite[][] = [];
  let current: TensorToWrite[] = [];
  let currentBytes = 0;
  for (const t of tensors) {
    if (current.length > 0 && currentBytes + t.data.byteLength > maxShardBytes) {
      shards.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(t);
    currentBytes += t.data.byteLength;
  }
  if (current.length > 0 || shards.length === 0) shards.push(current);

  await mkdir(dir, { recursive: true });
  const width = 5;
  const names = shards.map((_, i) => `${prefix}-${String(i + 1).padStart(width, '0')}-of-${String(shards.length).padStart(width, '0')}.safetensors`);
  const weightMap: Record<string, string> = {};
  let totalBytes = 0;
  for (const [i, shard] of shards.entries()) {
    await writeSafetensors(join(dir, names[i]!), shard, options.metadata);
    for (const t of shard) {
      weightMap[t.name] = names[i]!;
      totalBytes += t.data.byteLength;
    }
  }
  // transformers sorts weight_map by tensor name.
  const sorted = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  await writeFile(indexFile, `${JSON.stringify({ metadata: { total_size: totalBytes }, weight_map: sorted }, null, 2)}\n`);
  return { indexFile, shardFiles: names.map((n) => join(dir, n)), totalBytes };
}
