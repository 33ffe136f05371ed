// Writes a sharded safetensors checkpoint whose tensor data is generated on the fly: the header is
// known from names, dtypes and shapes alone, so each shard is written header first and then its
// data in fixed-size chunks, never holding a tensor in memory. Two chunk buffers alternate, so
// the next chunk is generated while the previous one is being written. Each shard goes to a
// temporary name and is renamed when complete.
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { INDEX_FILE } from '../safetensors/checkpoint.ts';
import { fillConstant, NormalFiller, streamSeed, type FillDType } from './random-fill.ts';

/** How a generated tensor's values are drawn. */
export type TensorInit = { kind: 'normal'; std: number } | { kind: 'constant'; value: number };

export interface GeneratedTensor {
  name: string;
  dtype: FillDType;
  shape: readonly number[];
  init: TensorInit;
}

export interface StreamedWriteOptions {
  /** Seed of every tensor's stream (mixed with its name). */
  seed: number;
  /** Largest shard data size in bytes (default 5 GB, transformers' default). */
  maxShardBytes?: number;
  /** Chunk size in bytes (default 32 MiB; a multiple of 8). */
  chunkBytes?: number;
  /** Called after each chunk is written: bytes written of the total. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface StreamedWriteResult {
  files: string[];
  totalBytes: number;
}

const SAFETENSORS_NAME: Record<FillDType, string> = { bf16: 'BF16', f16: 'F16', f32: 'F32' };
const ITEM_BYTES: Record<FillDType, number> = { bf16: 2, f16: 2, f32: 4 };

export function generatedByteLength(t: GeneratedTensor): number {
  return t.shape.reduce((a, b) => a * b, 1) * ITEM_BYTES[t.dtype];
}

/** 8-byte length + JSON header padded with spaces to a multiple of 8 (as the Rust crate does). */
function headerBytes(tensors: readonly GeneratedTensor[]): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of tensors) {
    const n = generatedByteLength(t);
    header[t.name] = { dtype: SAFETENSORS_NAME[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + n] };
    offset += n;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

/** Groups tensors, in order, into shards of at most maxShardBytes (a larger tensor gets its own). */
function planShards(tensors: readonly GeneratedTensor[], maxShardBytes: number): GeneratedTensor[][] {
  const shards: GeneratedTensor[][] = [];
  let cur: GeneratedTensor[] = [];
  let bytes = 0;
  for (const t of tensors) {
    const n = generatedByteLength(t);
    if (cur.length > 0 && bytes + n > maxShardBytes) {
      shards.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(t);
    bytes += n;
  }
  if (cur.length > 0 || shards.length === 0) shards.push(cur);
  return shards;
}

/**
 * Writes `tensors` into `dir` as `model.safetensors` (one shard) or `model-0000i-of-0000n.safetensors`
 * plus `model.safetensors.index.json`, generating the data as it goes.
 */
export async function writeGeneratedCheckpoint(
  dir: string,
  tensors: readonly GeneratedTensor[],
  opts: StreamedWriteOptions,
): Promise<StreamedWriteResult> {
  const maxShardBytes = opts.maxShardBytes ?? 5_000_000_000;
  const chunkBytes = opts.chunkBytes ?? 32 * 2 ** 20;
  if (!(chunkBytes > 0 && chunkBytes % 8 === 0)) throw new RangeError(`chunkBytes must be a positive multiple of 8, got ${chunkBytes}`);
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new RangeError(`duplicate tensor name '${t.name}'`);
    seen.add(t.name);
  }
  await mkdir(dir, { recursive: true });
  const shards = planShards(tensors, maxShardBytes);
  const totalBytes = tensors.reduce((a, t) => a + generatedByteLength(t), 0);
  const pad = (i: number) => String(i).padStart(5, '0');
  const names = shards.length === 1 ? ['model.safetensors'] : shards.map((_, i) => `model-${pad(i + 1)}-of-${pad(shards.length)}.safetensors`);
  const buffers = [new Uint8Array(chunkBytes), new Uint8Array(chunkBytes)];
  let done = 0;
  const weightMap: Record<string, string> = {};
  for (const [s, shard] of shards.entries()) {
    const file = join(dir, names[s]!);
    const temporary = `${file}.tmp-${process.pid}`;
    const handle = await open(temporary, 'w');
    try {
      const header = headerBytes(shard);
      await handle.write(header, 0, header.byteLength, 0);
      let position = header.byteLength;
      let pending: Promise<unknown> = Promise.resolve();
      let which = 0;
      for (const t of shard) {
        weightMap[t.name] = names[s]!;
        const filler = t.init.kind === 'normal' ? new NormalFiller(t.init.std, t.dtype, streamSeed(opts.seed, t.name)) : undefined;
        let left = generatedByteLength(t);
        while (left > 0) {
          const n = Math.min(chunkBytes, left);
          const buf = buffers[which]!.subarray(0, n);
          if (filler) filler.fill(buf);
          else if (t.init.kind === 'constant') fillConstant(buf, t.init.value, t.dtype);
          await pending; // the other buffer's write; this one is free again after the next await
          const at = position;
          pending = writeFully(handle, buf, at).then(() => {
            done += n;
            opts.onProgress?.(done, totalBytes);
          });
          position += n;
          left -= n;
          which ^= 1;
        }
      }
      await pending;
      await handle.close();
      await rename(temporary, file);
    } catch (e) {
      await handle.close().catch(() => undefined);
      await rm(temporary, { force: true });
      throw e;
    }
  }
  if (shards.length > 1) {
    const sorted = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    await writeFile(join(dir, INDEX_FILE), `${JSON.stringify({ metadata: { total_size: totalBytes }, weight_map: sorted }, null, 2)}\n`);
  }
  return { files: names.map((n) => join(dir, n)), totalBytes };
}

async function writeFully(handle: import('node:fs/promises').FileHandle, buf: Uint8Array, position: number): Promise<void> {
  let off = 0;
  while (off < buf.byteLength) {
    const { bytesWritten } = await handle.write(buf, off, buf.byteLength - off, position + off);
    off += bytesWritten;
  }
}
