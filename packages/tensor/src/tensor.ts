import { decode, dtypeBytes, encode, type DType } from './dtype.ts';
import { ArgumentError, ShapeError } from './errors.ts';
import { guard, native, type NativeStorage } from './native.ts';
import { backendInfo, resolveDevice, type Device } from './runtime.ts';

/** Where a tensor is allocated. `pinned` is page-locked host memory (CPU backend, fast DMA). */
export type MemoryKind = 'host' | 'pinned' | 'cuda';

export interface AllocOptions {
  dtype?: DType;
  /** 'auto' picks CUDA when available (see backendInfo()). Default 'cpu'. */
  device?: Device | 'auto';
  /** Host tensors only: allocate page-locked memory. Falls back to ordinary memory without CUDA. */
  pinned?: boolean;
}

function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

function checkShape(shape: readonly number[]): void {
  if (shape.length > 8) throw new ShapeError(`at most 8 dimensions, got ${shape.length}`, 'tensor', 'LRQK_SHAPE');
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`invalid shape [${shape.join(',')}]`, 'tensor', 'LRQK_SHAPE');
  }
}

/** Hook set by ops/copy-strided.ts so that tensor.ts does not import the op modules. */
let contiguousImpl: ((t: Tensor) => Tensor) | undefined;
/** @internal */
export function setContiguousImpl(fn: (t: Tensor) => Tensor): void {
  contiguousImpl = fn;
}

/**
 * An n-dimensional view over native memory: dtype, shape, strides (in elements) and an element
 * offset into a shared storage. Views share storage; `dispose()` frees it for all views.
 */
export class Tensor {
  readonly storage: NativeStorage;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;

  constructor(storage: NativeStorage, dtype: DType, shape: readonly number[], strides?: readonly number[], offset = 0) {
    checkShape(shape);
    this.storage = storage;
    this.dtype = dtype;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    this.offset = offset;
  }

  /** Uninitialised tensor. */
  static empty(shape: readonly number[], opts: AllocOptions = {}): Tensor {
    checkShape(shape);
    const dtype = opts.dtype ?? 'f32';
    const device = resolveDevice(opts.device ?? 'cpu');
    let kind: MemoryKind = device === 'cuda' ? 'cuda' : opts.pinned && backendInfo().available ? 'pinned' : 'host';
    const bytes = shape.reduce((a, b) => a * b, 1) * dtypeBytes(dtype);
    const storage = guard(() => new native.NativeStorage(bytes, kind));
    kind = storage.kind;
    return new Tensor(storage, dtype, shape);
  }

  /** Tensor holding `data` (converted to `dtype`), on `device`. */
  static from(data: ArrayLike<number>, shape: readonly number[], opts: AllocOptions = {}): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) {
      throw new ShapeError(`data has ${data.length} elements, shape [${shape.join(',')}] needs ${n}`, 'from', 'LRQK_SHAPE');
    }
    const t = Tensor.empty(shape, opts);
    if (n > 0) guard(() => t.storage.write(0, encode(t.dtype, data)));
    return t;
  }

  /** Tensor of zeros. */
  static zeros(shape: readonly number[], opts: AllocOptions = {}): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    return Tensor.from(new Float32Array(n), shape, opts);
  }

  get device(): Device {
    return this.storage.kind === 'cuda' ? 'cuda' : 'cpu';
  }
  get memory(): MemoryKind {
    return this.storage.kind;
  }
  get ndim(): number {
    return this.shape.length;
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  get byteLength(): number {
    return this.numel * dtypeBytes(this.dtype);
  }
  get disposed(): boolean {
    return this.storage.disposed;
  }

  size(dim: number): number {
    const d = dim < 0 ? dim + this.ndim : dim;
    const s = this.shape[d];
    if (s === undefined) throw new ShapeError(`dim ${dim} out of range for ${this.ndim}-d tensor`, 'size', 'LRQK_SHAPE');
    return s;
  }

  isContiguous(): boolean {
    let s = 1;
    for (let i = this.ndim - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== s) return false;
      s *= this.shape[i]!;
    }
    return true;
  }

  /** Same data, new shape (one dim may be -1). Requires a contiguous tensor. */
  view(shape: readonly number[]): Tensor {
    const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const resolved = shape.map((d) => (d === -1 ? this.numel / known : d));
    if (resolved.reduce((a, b) => a * b, 1) !== this.numel || !resolved.every(Number.isInteger)) {
      throw new ShapeError(`cannot view [${this.shape.join(',')}] as [${shape.join(',')}]`, 'view', 'LRQK_SHAPE');
    }
    if (!this.isContiguous()) throw new ShapeError('view needs a contiguous tensor; call contiguous() first', 'view', 'LRQK_SHAPE');
    return new Tensor(this.storage, this.dtype, resolved, undefined, this.offset);
  }

  /** Elements [start, end) along `dim`, sharing storage. */
  slice(dim: number, start: number, end: number = this.size(dim)): Tensor {
    const d = dim < 0 ? dim + this.ndim : dim;
    const size = this.size(d);
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= size)) {
      throw new ShapeError(`slice [${start}, ${end}) out of range for dim ${d} of size ${size}`, 'slice', 'LRQK_SHAPE');
    }
    const shape = [...this.shape];
    shape[d] = end - start;
    return new Tensor(this.storage, this.dtype, shape, this.strides, this.offset + start * this.strides[d]!);
  }

  /** Index `i` along `dim`, dropping that dimension. */
  select(dim: number, i: number): Tensor {
    const d = dim < 0 ? dim + this.ndim : dim;
    const s = this.slice(d, i, i + 1);
    const shape = [...s.shape];
    const strides = [...s.strides];
    shape.splice(d, 1);
    strides.splice(d, 1);
    return new Tensor(this.storage, this.dtype, shape, strides, s.offset);
  }

  /** Swaps two dimensions (a strided view). */
  transpose(a: number, b: number): Tensor {
    const da = a < 0 ? a + this.ndim : a;
    const db = b < 0 ? b + this.ndim : b;
    const shape = [...this.shape];
    const strides = [...this.strides];
    [shape[da], shape[db]] = [shape[db]!, shape[da]!];
    [strides[da], strides[db]] = [strides[db]!, strides[da]!];
    return new Tensor(this.storage, this.dtype, shape, strides, this.offset);
  }

  /** A contiguous copy (or this tensor when already contiguous). */
  contiguous(): Tensor {
    if (this.isContiguous()) return this;
    if (!contiguousImpl) throw new ArgumentError('contiguous(): strided copy op not loaded', 'contiguous', 'LRQK_ARGUMENT');
    return contiguousImpl(this);
  }

  /** A copy on `device` (or in pinned host memory). Asynchronous for pinned↔device copies. */
  to(device: Device | 'auto', opts: { pinned?: boolean } = {}): Tensor {
    const src = this.contiguous();
    const out = Tensor.empty(this.shape, { dtype: this.dtype, device, pinned: opts.pinned ?? false });
    native.copy(out, src);
    if (src !== this) src.dispose();
    return out;
  }

  /** Copies `src` (same dtype and element count, contiguous) into this tensor. */
  copyFrom(src: Tensor): this {
    native.copy(this, src);
    return this;
  }

  /** Raw bytes of a contiguous copy (synchronous). */
  bytes(): ArrayBuffer {
    const src = this.contiguous();
    const buf = guard(() => src.storage.read(src.offset * dtypeBytes(src.dtype), src.byteLength));
    if (src !== this) src.dispose();
    return buf;
  }

  /** Values as float64 (synchronous; waits for pending device work). */
  toFloat64Array(): Float64Array {
    return decode(this.dtype, this.bytes());
  }

  /** Values as float32 (synchronous). */
  toFloat32Array(): Float32Array {
    return this.dtype === 'f32' ? new Float32Array(this.bytes()) : Float32Array.from(this.toFloat64Array());
  }

  /** Values as a plain array. */
  toArray(): number[] {
    return Array.from(this.toFloat64Array());
  }

  /** Frees the memory now (idempotent). Every view of the same storage becomes unusable. */
  dispose(): void {
    if (!this.storage.disposed) this.storage.dispose();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(', ')}], ${this.memory})`;
  }
}
