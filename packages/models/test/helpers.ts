import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory removed at the end of the `await using` scope. */
export async function tempDir(): Promise<{ dir: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lrqk-models-'));
  return { dir, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

/** Seed from the clock, printed in failure messages so a failing input can be replayed. */
export function freshSeed(): number {
  return (Math.random() * 2 ** 32) >>> 0;
}

/** mulberry32 bytes. */
export function randomBytes(n: number, seed: number): Uint8Array {
  let a = seed >>> 0;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}

/**
 * Writes a safetensors file by hand from a header value (any JSON, so tests can corrupt it) and
 * data bytes; `headerLength` overrides the 8-byte length prefix.
 */
export async function writeRaw(
  file: string,
  header: unknown,
  data: Uint8Array,
  options: { headerLength?: bigint; headerText?: string } = {},
): Promise<void> {
  const json = new TextEncoder().encode(options.headerText ?? JSON.stringify(header));
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, options.headerLength ?? BigInt(json.byteLength), true);
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  out.set(prefix, 0);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  await writeFile(file, out);
}

/** Runs a generate() iterator to the end: the token ids it yielded and its result. */
export async function drain<R>(it: AsyncGenerator<{ id: number }, R, void>): Promise<{ ids: number[]; result: R }> {
  const ids: number[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) return { ids, result: r.value };
    ids.push(r.value.id);
  }
}
