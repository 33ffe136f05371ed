// One safetensors file, open for reading tensors by byte range. Only the header is read at open;
// each tensor is read with positioned reads (pread), so no file is ever held in memory whole and
// offsets beyond 4 GiB work (positions are numbers, exact up to 2^53).
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { CheckpointError } from '../errors.ts';
import { parseHeader, parseHeaderLength } from './header.ts';
import type { SafetensorsHeader, TensorInfo } from './header.ts';

/** Bytes per read call: Linux caps one read at ~2 GiB, so larger tensors are read in pieces. */
const READ_CHUNK_BYTES = 1 << 30;

/** Fills `target` from `position`; throws naming the tensor (undefined for the header) when the file ends early. */
export async function readFully(handle: FileHandle, target: Uint8Array, position: number, file: string, tensor: string | undefined): Promise<void> {
  let done = 0;
  while (done < target.byteLength) {
    const length = Math.min(READ_CHUNK_BYTES, target.byteLength - done);
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(target, done, length, position + done));
    } catch (error) {
      throw new CheckpointError(file, tensor, `read failed at byte ${position + done}: ${(error as Error).message}`, { cause: error });
    }
    if (bytesRead === 0) {
      throw new CheckpointError(file, tensor, `the file ended at byte ${position + done} while reading ${target.byteLength} bytes from ${position} (was it truncated after opening?)`);
    }
    done += bytesRead;
  }
}

export class SafetensorsFile {
  readonly file: string;
  /** File size in bytes at open. */
  readonly fileBytes: number;
  readonly header: SafetensorsHeader;
  #handle: FileHandle | null;

  private constructor(file: string, fileBytes: number, header: SafetensorsHeader, handle: FileHandle) {
    this.file = file;
    this.fileBytes = fileBytes;
    this.header = header;
    this.#handle = handle;
  }

  /** Opens a file and validates its header against the file size. */
  static async open(file: string): Promise<SafetensorsFile> {
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CheckpointError(file, undefined, code === 'ENOENT' ? 'file not found' : `cannot open: ${(error as Error).message}`, { cause: error });
    }
    try {
      const { size } = await handle.stat();
      const prefix = new Uint8Array(8);
      if (size >= 8) await readFully(handle, prefix, 0, file, undefined);
      const headerBytes = parseHeaderLength(prefix, size, file);
      const json = new Uint8Array(headerBytes);
      await readFully(handle, json, 8, file, undefined);
      return new SafetensorsFile(file, size, parseHeader(json, size, file), handle);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  get tensors(): ReadonlyMap<string, TensorInfo> {
    return this.header.tensors;
  }

  get metadata(): Readonly<Record<string, string>> | null {
    return this.header.metadata;
  }

  /** The tensor's description; throws CheckpointError when there is none of that name. */
  info(name: string): TensorInfo {
    const info = this.header.tensors.get(name);
    if (info === undefined) throw new CheckpointError(this.file, name, `no such tensor (the file has ${this.header.tensors.size})`);
    return info;
  }

  /** Reads one tensor's bytes into a new buffer. */
  async read(name: string): Promise<Uint8Array> {
    const info = this.info(name);
    const target = new Uint8Array(info.byteLength);
    await readFully(this.#open(name), target, info.fileOffset, this.file, name);
    return target;
  }

  /** Reads one tensor's bytes into `target` (e.g. pinned host memory), which must be exactly its size. */
  async readInto(name: string, target: Uint8Array): Promise<void> {
    const info = this.info(name);
    if (target.byteLength !== info.byteLength) {
      throw new CheckpointError(this.file, name, `target has ${target.byteLength} bytes, the tensor has ${info.byteLength}`);
    }
    await readFully(this.#open(name), target, info.fileOffset, this.file, name);
  }

  /** Closes the file; idempotent. */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #open(tensor: string): FileHandle {
    if (this.#handle === null) throw new CheckpointError(this.file, tensor, 'the file is closed');
    return this.#handle;
  }
}
