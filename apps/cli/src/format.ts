// Small formatting helpers shared by the commands.

/** Bytes as a short human string: 0 B, 512 B, 1.5 KiB, 79.1 GiB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** A CUDA version integer (1000·major + 10·minor, e.g. 13000) as "13.0"; 0 as "none". */
export function formatCudaVersion(v: number): string {
  if (!v) return 'none';
  return `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
}

/** Milliseconds with 3 significant digits. */
export function formatMs(ms: number): string {
  return `${ms < 10 ? ms.toPrecision(3) : ms.toFixed(1)} ms`;
}

/** `key  value` rows aligned on the longest key, indented by two spaces. */
export function table(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}
