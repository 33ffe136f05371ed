// Reading and writing safetensors: round trips, the exact layout, sharded checkpoints, files
// larger than 4 GiB (sparse), and every kind of corruption → CheckpointError naming file and tensor.
import { open, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Checkpoint,
  CheckpointError,
  dtypeBytes,
  openCheckpoint,
  SafetensorsFile,
  writeSafetensors,
  writeShardedSafetensors,
} from '../src/index.ts';
import type { SafetensorsDtype, TensorToWrite } from '../src/index.ts';
import { freshSeed, randomBytes, tempDir, writeRaw } from './helpers.ts';

function tensor(name: string, dtype: SafetensorsDtype, shape: number[], seed: number): TensorToWrite {
  const n = shape.reduce((a, b) => a * b, 1) * dtypeBytes(dtype);
  return { name, dtype, shape, data: randomBytes(n, seed + name.length * 7919) };
}

function sampleTensors(seed: number): TensorToWrite[] {
  return [
    tensor('model.embed_tokens.weight', 'BF16', [37, 19], seed),
    tensor('model.layers.0.self_attn.q_proj.weight', 'F16', [19, 19], seed + 1),
    tensor('model.layers.0.self_attn.q_proj.bias', 'F32', [19], seed + 2),
    tensor('positions', 'I64', [5], seed + 3),
    tensor('ids', 'I32', [3, 1, 2], seed + 4),
    tensor('mask', 'BOOL', [7], seed + 5),
    tensor('bytes', 'U8', [13], seed + 6),
    tensor('double', 'F64', [2, 2], seed + 7),
    tensor('empty', 'F32', [0, 4], seed + 8),
    tensor('scalar', 'F32', [], seed + 9),
  ];
}

/** Expects a CheckpointError with this file, tensor and message. */
async function expectCheckpointError(
  promise: Promise<unknown>,
  file: string,
  tensorName: string | undefined,
  message: RegExp,
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a CheckpointError').toBeInstanceOf(CheckpointError);
  const e = error as CheckpointError;
  expect(e.file).toBe(file);
  expect(e.tensor).toBe(tensorName);
  expect(e.message).toContain(file);
  if (tensorName !== undefined) expect(e.message).toContain(`tensor "${tensorName}"`);
  expect(e.message).toMatch(message);
}

describe('round trip', () => {
  it('writes and reads back every dtype, empty and scalar tensors, and metadata', async () => {
    const seed = freshSeed();
    await using tmp = await tempDir();
    const file = join(tmp.dir, 'model.safetensors');
    const tensors = sampleTensors(seed);
    await writeSafetensors(file, tensors, { format: 'pt', note: 'seed ' + seed });

    await using f = await SafetensorsFile.open(file);
    expect(f.metadata).toEqual({ format: 'pt', note: 'seed ' + seed });
    expect([...f.tensors.keys()]).toEqual(tensors.map((t) => t.name));
    expect(f.header.dataOffset % 8, 'data section 8-byte aligned').toBe(0);
    for (const t of tensors) {
      const info = f.info(t.name);
      expect(info).toMatchObject({ name: t.name, dtype: t.dtype, shape: t.shape, byteLength: t.data.byteLength });
      expect(await f.read(t.name), `seed ${seed}, tensor ${t.name}`).toEqual(t.data);
      const target = new Uint8Array(t.data.byteLength).fill(0xa5);
      await f.readInto(t.name, target);
      expect(target).toEqual(t.data);
    }
    const last = f.info('scalar');
    expect(last.fileOffset + last.byteLength).toBe((await stat(file)).size);
  });

  it('writes the exact layout: u64 LE length, JSON padded with spaces to 8 bytes, data in order', async () => {
    await using tmp = await tempDir();
    const file = join(tmp.dir, 'a.safetensors');
    const a = new Uint8Array(new Float32Array([1, 2]).buffer);
    const b = new Uint8Array([1, 2, 3]);
    await writeSafetensors(file, [
      { name: 'a', dtype: 'F32', shape: [2], data: a },
      { name: 'b', dtype: 'U8', shape: [3], data: b },
    ]);
    const bytes = new Uint8Array(await readFile(file));
    const json = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}';
    const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
    expect(new DataView(bytes.buffer).getBigUint64(0, true)).toBe(BigInt(padded.length));
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + padded.length))).toBe(padded);
    expect(bytes.subarray(8 + padded.length)).toEqual(new Uint8Array([...a, ...b]));
  });

  it('reads a hand-made file (header without padding, metadata first)', async () => {
    await using tmp = await tempDir();
    const file = join(tmp.dir, 'h.safetensors');
    const header = {
      __metadata__: { format: 'pt' },
      w: { dtype: 'BF16', shape: [2, 2], data_offsets: [0, 8] },
      z: { dtype: 'I64', shape: [0], data_offsets: [8, 8] },
      b: { dtype: 'F16', shape: [1], data_offsets: [8, 10] },
    };
    await writeRaw(file, header, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    await using f = await SafetensorsFile.open(file);
    expect([...f.tensors.keys()]).toEqual(['w', 'z', 'b']);
    expect(await f.read('b')).toEqual(new Uint8Array([9, 10]));
    expect(await f.read('z')).toEqual(new Uint8Array([]));
  });

  it('refuses bad input to the writer, naming the tensor', async () => {
    await using tmp = await tempDir();
    const file = join(tmp.dir, 'x.safetensors');
    const ok = { name: 'x', dtype: 'F32' as const, shape: [2], data: new Uint8Array(8) };
    await expectCheckpointError(writeSafetensors(file, [{ ...ok, data: new Uint8Array(7) }]), file, 'x', /data has 7 bytes, but shape \[2\] of F32 needs 8/);
    await expectCheckpointError(writeSafetensors(file, [ok, ok]), file, 'x', /duplicate tensor name/);
    await expectCheckpointError(writeSafetensors(file, [{ ...ok, dtype: 'Q4' as never }]), file, 'x', /unknown dtype "Q4"/);
    await expectCheckpointError(writeSafetensors(file, [{ ...ok, shape: [-2] }]), file, 'x', /must be non-negative integers/);
    await expectCheckpointError(writeSafetensors(file, [{ ...ok, name: '__metadata__' }]), file, '__metadata__', /invalid tensor name/);
    await expect(stat(file)).rejects.toThrow(); // nothing left behind
  });

  it('reads tensors past 4 GiB by range (sparse 5 GiB file)', async () => {
    await using tmp = await tempDir();
    const file = join(tmp.dir, 'big.safetensors');
    const big = 5 * 2 ** 30;
    const tail = new Uint8Array(new Float32Array([1.5, -2, 3.25, 4]).buffer);
    const json = new TextEncoder().encode(
      JSON.stringify({
        big: { dtype: 'U8', shape: [big], data_offsets: [0, big] },
        tail: { dtype: 'F32', shape: [4], data_offsets: [big, big + 16] },
      }),
    );
    const prefix = new Uint8Array(8);
    new DataView(prefix.buffer).setBigUint64(0, BigInt(json.byteLength), true);
    const handle = await open(file, 'w');
    await handle.write(prefix, 0, 8, 0);
    await handle.write(json, 0, json.byteLength, 8);
    await handle.write(tail, 0, 16, 8 + json.byteLength + big); // the 5 GiB before it stay a hole
    await handle.close();

    await using f = await SafetensorsFile.open(file);
    expect(f.fileBytes).toBe(8 + json.byteLength + big + 16);
    expect(f.info('tail').fileOffset).toBe(8 + json.byteLength + big);
    expect(new Float32Array((await f.read('tail')).buffer)).toEqual(new Float32Array([1.5, -2, 3.25, 4]));
  });
});

describe('sharded checkpoints', () => {
  it('writes shards of at most maxShardBytes with an index, and reads them back', async () => {
    const seed = freshSeed();
    await using tmp = await tempDir();
    const tensors = sampleTensors(seed);
    const result = await writeShardedSafetensors(tmp.dir, tensors, { maxShardBytes: 1500, metadata: { format: 'pt' } });
    expect(result.shardFiles.length).toBeGreaterThan(1);
    expect(result.shardFiles[0]).toBe(join(tmp.dir, `model-00001-of-${String(result.shardFiles.length).padStart(5, '0')}.safetensors`));
    expect(result.totalBytes).toBe(tensors.reduce((n, t) => n + t.data.byteLength, 0));
    const index = JSON.parse(await readFile(result.indexFile, 'utf8')) as { metadata: { total_size: number }; weight_map: Record<string, string> };
    expect(result.indexFile).toBe(join(tmp.dir, 'model.safetensors.index.json'));
    expect(index.metadata.total_size).toBe(result.totalBytes);
    expect(Object.keys(index.weight_map)).toEqual(tensors.map((t) => t.name).sort());
    for (const shard of result.shardFiles) {
      const bytes = (await stat(shard)).size;
      await using f = await SafetensorsFile.open(shard);
      expect(bytes - f.header.dataOffset).toBeLessThanOrEqual(1500);
    }

    for (const path of [tmp.dir, result.indexFile]) {
      await using ckpt = await openCheckpoint(path);
      expect(ckpt.indexFile).toBe(result.indexFile);
      expect(ckpt.metadata).toEqual({ total_size: result.totalBytes });
      expect(ckpt.files).toEqual(expect.arrayContaining(result.shardFiles));
      expect(ckpt.tensors.size).toBe(tensors.length);
      expect(ckpt.totalBytes).toBe(result.totalBytes);
      for (const t of tensors) {
        expect(ckpt.has(t.name)).toBe(true);
        expect(ckpt.info(t.name).file).toBe(join(tmp.dir, index.weight_map[t.name]!));
        expect(await ckpt.read(t.name), `seed ${seed}, tensor ${t.name}`).toEqual(t.data);
      }
      await expectCheckpointError(ckpt.read('nope'), result.indexFile, 'nope', /no such tensor in the checkpoint \(it has 10\)/);
    }
  });

  it('a tensor larger than maxShardBytes gets a shard of its own', async () => {
    await using tmp = await tempDir();
    const t = [tensor('small', 'U8', [10], 1), tensor('large', 'U8', [100], 2), tensor('small2', 'U8', [10], 3)];
    const r = await writeShardedSafetensors(tmp.dir, t, { maxShardBytes: 50 });
    expect(r.shardFiles).toHaveLength(3);
  });

  it('opens a directory with a single model.safetensors', async () => {
    await using tmp = await tempDir();
    const tensors = sampleTensors(freshSeed());
    await writeSafetensors(join(tmp.dir, 'model.safetensors'), tensors);
    await using ckpt = await Checkpoint.open(tmp.dir);
    expect(ckpt.indexFile).toBeNull();
    expect(ckpt.files).toEqual([join(tmp.dir, 'model.safetensors')]);
    expect(await ckpt.read('ids')).toEqual(tensors[4]!.data);
    const target = new Uint8Array(tensors[0]!.data.byteLength);
    await ckpt.readInto('model.embed_tokens.weight', target);
    expect(target).toEqual(tensors[0]!.data);
  });

  it('close is idempotent and reads after close fail clearly', async () => {
    await using tmp = await tempDir();
    const file = join(tmp.dir, 'model.safetensors');
    await writeSafetensors(file, [tensor('x', 'F32', [3], 1)]);
    const ckpt = await openCheckpoint(file);
    await ckpt.close();
    await ckpt.close();
    await expectCheckpointError(ckpt.read('x'), file, 'x', /the file is closed/);
  });
});

describe('corruption', () => {
  const good = {
    a: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
    b: { dtype: 'BF16', shape: [3], data_offsets: [16, 22] },
  };
  const data = randomBytes(22, 5);

  async function corrupt(header: unknown, bytes = data, options: Parameters<typeof writeRaw>[3] = {}) {
    const tmp = await tempDir();
    const file = join(tmp.dir, 'model.safetensors');
    await writeRaw(file, header, bytes, options);
    return { file, tmp };
  }

  it.each([
    ['shape/dtype mismatch', { ...good, b: { dtype: 'F32', shape: [3], data_offsets: [16, 22] } }, 'b', /shape \[3\] of F32 \(4 bytes each\) needs 12 bytes, but data_offsets \[16, 22\] span 6/],
    ['offsets out of range', { ...good, b: { dtype: 'BF16', shape: [3], data_offsets: [20, 26] } }, 'b', /go past the end of the data section \(22 bytes\)/],
    ['overlapping offsets', { a: good.a, b: { dtype: 'BF16', shape: [3], data_offsets: [10, 16] }, c: { dtype: 'U8', shape: [6], data_offsets: [16, 22] } }, 'b', /overlap tensor "a" \(which ends at 16\)/],
    ['a gap between tensors', { a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] }, b: good.b }, 'b', /leave a gap of 4 bytes after tensor "a"/],
    ['end before begin', { ...good, b: { dtype: 'BF16', shape: [3], data_offsets: [22, 16] } }, 'b', /end before they begin/],
    ['unknown dtype', { ...good, b: { dtype: 'F4', shape: [3], data_offsets: [16, 22] } }, 'b', /unknown dtype "F4" \(known: BOOL, U8/],
    ['bad shape', { ...good, b: { dtype: 'BF16', shape: [3.5], data_offsets: [16, 22] } }, 'b', /shape \[3\.5\] must be a list of non-negative integers/],
    ['bad data_offsets', { ...good, b: { dtype: 'BF16', shape: [3], data_offsets: [16] } }, 'b', /data_offsets \[16\] must be two non-negative integers/],
    ['entry not an object', { ...good, b: [1, 2] }, 'b', /the header entry must be an object/],
  ])('%s', async (_label, header, tensorName, message) => {
    const { file, tmp } = await corrupt(header);
    await using _t = tmp;
    await expectCheckpointError(SafetensorsFile.open(file), file, tensorName, message);
  });

  it('truncated file: the tensor that runs past the end is named', async () => {
    const { file, tmp } = await corrupt(good);
    await using _t = tmp;
    await truncate(file, (await stat(file)).size - 3);
    await expectCheckpointError(SafetensorsFile.open(file), file, 'b', /go past the end of the data section \(19 bytes\): the file is truncated/);
  });

  it('trailing bytes after the last tensor', async () => {
    const { file, tmp } = await corrupt(good, new Uint8Array([...data, 0, 0]));
    await using _t = tmp;
    await expectCheckpointError(SafetensorsFile.open(file), file, 'b', /tensors end at byte .* \(2 unexpected trailing bytes\)/);
  });

  it('file shorter than the 8-byte length', async () => {
    await using tmp = await tempDir();
    const file = join(tmp.dir, 'short.safetensors');
    await writeFile(file, new Uint8Array([1, 2, 3]));
    await expectCheckpointError(SafetensorsFile.open(file), file, undefined, /truncated: the file is 3 bytes, too short/);
  });

  it('header length larger than the file, or than the limit', async () => {
    const { file, tmp } = await corrupt(good, data, { headerLength: 5000n });
    await using _t = tmp;
    await expectCheckpointError(SafetensorsFile.open(file), file, undefined, /header length 5000 exceeds the file size/);
    const huge = await corrupt(good, data, { headerLength: 2n ** 40n });
    await using _h = huge.tmp;
    await expectCheckpointError(SafetensorsFile.open(huge.file), huge.file, undefined, /header length 1099511627776 exceeds the 100000000-byte limit/);
  });

  it.each([
    ['bad JSON', '{"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]', /the header is not valid JSON/],
    ['not an object', '["a"]                ', /does not start with "\{"/],
    ['bad metadata', JSON.stringify({ __metadata__: { n: 1 }, ...good }), /"__metadata__" must be an object of string values/],
  ])('%s', async (_label, headerText, message) => {
    const { file, tmp } = await corrupt(null, data, { headerText });
    await using _t = tmp;
    await expectCheckpointError(SafetensorsFile.open(file), file, undefined, message);
  });

  it('missing file', async () => {
    await using tmp = await tempDir();
    const file = join(tmp.dir, 'none.safetensors');
    await expectCheckpointError(SafetensorsFile.open(file), file, undefined, /file not found/);
    await expectCheckpointError(openCheckpoint(file), file, undefined, /not found/);
    await expectCheckpointError(openCheckpoint(tmp.dir), tmp.dir, undefined, /no model\.safetensors\.index\.json or model\.safetensors in this directory/);
  });

  it('file truncated after opening: the read names the tensor', async () => {
    const { file, tmp } = await corrupt(good);
    await using _t = tmp;
    await using f = await SafetensorsFile.open(file);
    await truncate(file, (await stat(file)).size - 4);
    await expectCheckpointError(f.read('b'), file, 'b', /the file ended at byte \d+ while reading 6 bytes/);
    await expectCheckpointError(f.readInto('a', new Uint8Array(3)), file, 'a', /target has 3 bytes, the tensor has 16/);
  });

  describe('sharded', () => {
    async function sharded() {
      const tmp = await tempDir();
      const r = await writeShardedSafetensors(tmp.dir, sampleTensors(7), { maxShardBytes: 1500 });
      return { tmp, r };
    }

    it('missing shard names the shard and a tensor in it', async () => {
      const { tmp, r } = await sharded();
      await using _t = tmp;
      const index = JSON.parse(await readFile(r.indexFile, 'utf8')) as { weight_map: Record<string, string> };
      const missing = r.shardFiles[1]!;
      const { rm } = await import('node:fs/promises');
      await rm(missing);
      const first = Object.entries(index.weight_map).find(([, f]) => join(tmp.dir, f) === missing)![0];
      await expectCheckpointError(openCheckpoint(tmp.dir), missing, first, /shard not found \(model\.safetensors\.index\.json puts this tensor/);
    });

    it('index that points a tensor at the wrong shard', async () => {
      const { tmp, r } = await sharded();
      await using _t = tmp;
      const index = JSON.parse(await readFile(r.indexFile, 'utf8')) as { weight_map: Record<string, string> };
      const wrong = index.weight_map['scalar'] === 'model-00001-of-00002.safetensors' ? 'model-00002-of-00002.safetensors' : 'model-00001-of-00002.safetensors';
      expect(r.shardFiles).toContain(join(tmp.dir, wrong));
      index.weight_map['scalar'] = wrong;
      await writeFile(r.indexFile, JSON.stringify(index));
      await expectCheckpointError(openCheckpoint(tmp.dir), join(tmp.dir, wrong), 'scalar', /puts this tensor in this shard, but the shard does not have it/);
    });

    it('corrupt index, escaping shard paths, and a corrupt shard', async () => {
      const { tmp, r } = await sharded();
      await using _t = tmp;
      const original = await readFile(r.indexFile, 'utf8');
      await writeFile(r.indexFile, original.slice(0, 40));
      await expectCheckpointError(openCheckpoint(tmp.dir), r.indexFile, undefined, /the index is not valid JSON/);
      await writeFile(r.indexFile, JSON.stringify({ metadata: {} }));
      await expectCheckpointError(openCheckpoint(tmp.dir), r.indexFile, undefined, /no "weight_map" object/);
      await writeFile(r.indexFile, JSON.stringify({ weight_map: { w: '../elsewhere.safetensors' } }));
      await expectCheckpointError(openCheckpoint(tmp.dir), r.indexFile, 'w', /must be a file name in the index's directory/);
      await writeFile(r.indexFile, original);
      await truncate(r.shardFiles[0]!, 100);
      const error = await openCheckpoint(tmp.dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as CheckpointError).file).toBe(r.shardFiles[0]);
    });
  });
});
