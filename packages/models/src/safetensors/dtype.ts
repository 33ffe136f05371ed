// Element types of the safetensors format (the byte-sized ones; sub-byte F4/F6 types are refused).

export const SAFETENSORS_DTYPES = [
  'BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0',
  'I16', 'U16', 'F16', 'BF16',
  'I32', 'U32', 'F32',
  'I64', 'U64', 'F64',
] as const;

export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

const ITEM_BYTES: Record<SafetensorsDtype, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
};

export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(ITEM_BYTES, value);
}

/** Bytes per element of a dtype. */
export function dtypeBytes(dtype: SafetensorsDtype): number {
  return ITEM_BYTES[dtype];
}

/** shape product × item size, as a bigint so that absurd shapes cannot overflow. */
export function tensorByteLength(dtype: SafetensorsDtype, shape: readonly number[]): bigint {
  let n = BigInt(ITEM_BYTES[dtype]);
  for (const d of shape) n *= BigInt(d);
  return n;
}
