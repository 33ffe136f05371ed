/** Reads element `idx` (multi-index) of a strided array. */
export function stridedGet(data: ArrayLike<number>, strides: readonly number[], offset: number, idx: readonly number[]): number {
  let o = offset;
  for (let i = 0; i < idx.length; i++) o += idx[i]! * strides[i]!;
  return data[o]!;
}

/** Row-major enumeration of all multi-indices of `shape`. */
export function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let f = 0; f < n; f++) {
    const idx = new Array<number>(shape.length);
    let r = f;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = r % shape[d]!;
      r = Math.floor(r / shape[d]!);
    }
    yield idx;
  }
}
