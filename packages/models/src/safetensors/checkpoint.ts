// A model's weights as Hugging Face stores them: one `model.safetensors`, or shards listed by
// `model.safetensors.index.json` ({ metadata: { total_size }, weight_map: { tensor: shard file } }).
// Opening reads and validates every header (and that each indexed tensor is in its shard); tensor
// data is read on demand.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { CheckpointError } from '../errors.ts';
import { SafetensorsFile } from './file.ts';
import type { TensorInfo } from './header.ts';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

/** A tensor of a checkpoint and the file it lives in. */
export interface CheckpointTensor extends TensorInfo {
  file: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export class Checkpoint {
  /** The directory, single file or index file that was opened. */
  readonly path: string;
  /** The index file, or null for a single-file checkpoint. */
  readonly indexFile: string | null;
  /** The index's "metadata" (e.g. total_size), or the single file's "__metadata__". */
  readonly metadata: Readonly<Record<string, unknown>> | null;
  readonly #files: Map<string, SafetensorsFile>;
  readonly #tensors: Map<string, CheckpointTensor>;

  private constructor(
    path: string,
    indexFile: string | null,
    metadata: Record<string, unknown> | null,
    files: Map<string, SafetensorsFile>,
    tensors: Map<string, CheckpointTensor>,
  ) {
    this.path = path;
    this.indexFile = indexFile;
    this.metadata = metadata;
    this.#files = files;
    this.#tensors = tensors;
  }

  /** The safetensors files, in the order their tensors were listed. */
  get files(): string[] {
    return [...this.#files.keys()];
  }

  get tensors(): ReadonlyMap<string, CheckpointTensor> {
    return this.#tensors;
  }

  /** Sum of the tensors' byte lengths. */
  get totalBytes(): number {
    let n = 0;
    for (const t of this.#tensors.values()) n += t.byteLength;
    return n;
  }

  has(name: string): boolean {
    return this.#tensors.has(name);
  }

  /** A tensor's description; throws CheckpointError naming the checkpoint when absent. */
  info(name: string): CheckpointTensor {
    const t = this.#tensors.get(name);
    if (t === undefined) {
      throw new CheckpointError(this.indexFile ?? this.path, name, `no such tensor in the checkpoint (it has ${this.#tensors.size})`);
    }
    return t;
  }

  async read(name: string): Promise<Uint8Array> {
    const t = this.info(name);
    return this.#files.get(t.file)!.read(name);
  }

  async readInto(name: string, target: Uint8Array): Promise<void> {
    const t = this.info(name);
    await this.#files.get(t.file)!.readInto(name, target);
  }

  /** Closes every file; idempotent. */
  async close(): Promise<void> {
    await Promise.all([...this.#files.values()].map((f) => f.close()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Opens a checkpoint: a directory (model.safetensors.index.json, else model.safetensors), a
   * `.safetensors` file, or an index `.json` file.
   */
  static async open(path: string): Promise<Checkpoint> {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      throw new CheckpointError(path, undefined, 'not found', { cause: error });
    }
    if (info.isDirectory()) {
      if (await exists(join(path, INDEX_FILE))) return Checkpoint.#openIndex(path, join(path, INDEX_FILE));
      if (await exists(join(path, SINGLE_FILE))) return Checkpoint.#openSingle(path, join(path, SINGLE_FILE));
      throw new CheckpointError(path, undefined, `no ${INDEX_FILE} or ${SINGLE_FILE} in this directory`);
    }
    if (path.endsWith('.json')) return Checkpoint.#openIndex(path, path);
    return Checkpoint.#openSingle(path, path);
  }

  static async #openSingle(path: string, file: string): Promise<Checkpoint> {
    const f = await SafetensorsFile.open(file);
    const tensors = new Map<string, CheckpointTensor>();
    for (const t of f.tensors.values()) tensors.set(t.name, { ...t, file });
    return new Checkpoint(path, null, f.metadata, new Map([[file, f]]), tensors);
  }

  static async #openIndex(path: string, indexFile: string): Promise<Checkpoint> {
    let text: string;
    try {
      text = await readFile(indexFile, 'utf8');
    } catch (error) {
      throw new CheckpointError(indexFile, undefined, `cannot read the index: ${(error as Error).message}`, { cause: error });
    }
    let index: unknown;
    try {
      index = JSON.parse(text);
    } catch (error) {
      throw new CheckpointError(indexFile, undefined, `the index is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
    if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
      throw new CheckpointError(indexFile, undefined, 'the index has no "weight_map" object');
    }
    const rawMetadata = (index as { metadata?: unknown }).metadata;
    const metadata = typeof rawMetadata === 'object' && rawMetadata !== null ? (rawMetadata as Record<string, unknown>) : null;

    // Group tensor names by shard; shard names are plain file names next to the index.
    const byShard = new Map<string, string[]>();
    for (const [name, shard] of Object.entries(weightMap as Record<string, unknown>)) {
      if (typeof shard !== 'string' || shard === '' || isAbsolute(shard) || shard.split(/[\\/]/).includes('..')) {
        throw new CheckpointError(indexFile, name, `weight_map value ${JSON.stringify(shard)} must be a file name in the index's directory`);
      }
      const list = byShard.get(shard) ?? [];
      list.push(name);
      byShard.set(shard, list);
    }
    const dir = dirname(resolve(indexFile));
    const files = new Map<string, SafetensorsFile>();
    const tensors = new Map<string, CheckpointTensor>();
    try {
      for (const [shard, names] of byShard) {
        const file = join(dir, shard);
        if (!(await exists(file))) {
          const others = names.length > 1 ? ` and ${names.length - 1} other tensors` : '';
          throw new CheckpointError(file, names[0], `shard not found (${basename(indexFile)} puts this tensor${others} in it)`);
        }
        const f = await SafetensorsFile.open(file);
        files.set(file, f);
        for (const name of names) {
          const t = f.tensors.get(name);
          if (t === undefined) throw new CheckpointError(file, name, `${basename(indexFile)} puts this tensor in this shard, but the shard does not have it`);
          tensors.set(name, { ...t, file });
        }
      }
    } catch (error) {
      await Promise.all([...files.values()].map((f) => f.close()));
      throw error;
    }
    return new Checkpoint(path, indexFile, metadata, files, tensors);
  }
}

/** Opens a checkpoint directory or file; see `Checkpoint.open`. */
export function openCheckpoint(path: string): Promise<Checkpoint> {
  return Checkpoint.open(path);
}
