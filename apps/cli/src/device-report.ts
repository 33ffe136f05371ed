// The device report shared by `lrqk inspect gpu` and `lrqk demo`: what @lrqk/tensor found when it
// looked for CUDA, what ops will run on by default, device memory, and cuBLAS when the tensor
// package reports it (blasInfo(), feature-detected so this builds against versions without it).
import type { BackendInfo, MemoryStats } from '@lrqk/tensor';
import { formatBytes, formatCudaVersion, table } from './format.ts';
import type { TensorModule } from './tensor.ts';

/**
 * The parts of @lrqk/tensor the report reads. `blasInfo` is deliberately not named: it is found on
 * the object at run time, so this compiles against versions with and without it.
 */
export type ReportSource = Pick<TensorModule, 'backendInfo' | 'resolveDevice' | 'memoryStats'>;

/** What `blasInfo()` said, if the tensor package has it. */
export type BlasReport =
  | { supported: false }
  | { supported: true; info: unknown }
  | { supported: true; error: string };

/** How LRQK_DEVICE affects the default device. */
export interface OverrideReport {
  /** The raw LRQK_DEVICE value, or null when unset. */
  value: string | null;
  /** True when the value changes what `device: 'auto'` resolves to. */
  overrides: boolean;
  note: string;
}

export interface DeviceReport {
  /** The device `device: 'auto'` resolves to, or null when that throws (LRQK_DEVICE=cuda without a GPU). */
  autoDevice: 'cpu' | 'cuda' | null;
  autoDeviceError?: string;
  backend: BackendInfo;
  override: OverrideReport;
  memory: MemoryStats;
  blas: BlasReport;
  /** LRQK_TENSOR_ADDON when set (the addon loaded from that path instead of the package's build). */
  addonOverride: string | null;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Calls the tensor package's `blasInfo()` when it exports one (cuBLAS, loaded at run time on GPU
 * machines). The namespace is inspected as a plain object, without `any`.
 */
async function blasReport(tensor: ReportSource): Promise<BlasReport> {
  const ns: object = tensor;
  if (!('blasInfo' in ns) || typeof ns.blasInfo !== 'function') return { supported: false };
  try {
    const info: unknown = await Reflect.apply(ns.blasInfo, undefined, []);
    return { supported: true, info };
  } catch (e) {
    return { supported: true, error: errorMessage(e) };
  }
}

function overrideReport(backend: BackendInfo): OverrideReport {
  const value = process.env.LRQK_DEVICE ?? null;
  if (value === null || value === '') return { value: null, overrides: false, note: 'not set' };
  if (value === 'cpu') {
    return backend.available
      ? { value, overrides: true, note: 'forces the CPU backend although CUDA is available' }
      : { value, overrides: false, note: 'CPU (CUDA is unavailable anyway)' };
  }
  if (value === 'cuda') {
    return backend.available
      ? { value, overrides: false, note: 'CUDA (already the default)' }
      : { value, overrides: true, note: "requires CUDA, which is unavailable: device 'auto' will throw" };
  }
  return { value, overrides: false, note: 'ignored (expected cpu or cuda)' };
}

/** Gathers the report (probes CUDA once; cheap). */
export async function deviceReport(tensor: ReportSource): Promise<DeviceReport> {
  const backend = tensor.backendInfo();
  let autoDevice: DeviceReport['autoDevice'] = null;
  let autoDeviceError: string | undefined;
  try {
    autoDevice = tensor.resolveDevice('auto');
  } catch (e) {
    autoDeviceError = errorMessage(e);
  }
  return {
    autoDevice,
    ...(autoDeviceError !== undefined ? { autoDeviceError } : {}),
    backend,
    override: overrideReport(backend),
    memory: tensor.memoryStats(),
    blas: await blasReport(tensor),
    addonOverride: process.env.LRQK_TENSOR_ADDON || null,
  };
}

/** `info` as `key  value` rows: objects flattened one level, arrays joined. */
function infoRows(info: unknown, prefix: string): [string, string][] {
  if (info === null || typeof info !== 'object') return [[prefix, String(info)]];
  return Object.entries(info).map(([k, v]): [string, string] => [
    `${prefix}.${k}`,
    Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v),
  ]);
}

/** The report as text for a terminal. */
export function formatDeviceReport(r: DeviceReport): string {
  const b = r.backend;
  const m = r.memory;
  const backendLine = !b.compiled
    ? 'cpu (CUDA backend not compiled into the addon)'
    : b.available
      ? 'cuda (CUDA backend compiled; GPU available)'
      : 'cpu (CUDA backend compiled; no usable GPU)';
  const rows: [string, string][] = [
    ['backend', backendLine],
    ['default device', r.autoDevice ?? "none: device 'auto' throws CudaUnavailableError (see LRQK_DEVICE)"],
    ['LRQK_DEVICE', r.override.value === null ? 'not set' : `${r.override.value} (${r.override.note})`],
  ];
  if (r.addonOverride) rows.push(['addon', `${r.addonOverride} (LRQK_TENSOR_ADDON)`]);
  if (b.available) {
    rows.push(
      ['device', `#${b.device} of ${b.deviceCount}: ${b.name}`],
      ['compute cap.', `${b.computeCapability} (sm_${b.computeCapability.replace('.', '')})`],
      ['SMs', String(b.smCount)],
      ['memory total', formatBytes(b.totalBytes)],
    );
  }
  rows.push(['CUDA', `driver ${formatCudaVersion(b.driverVersion)}, runtime ${formatCudaVersion(b.runtimeVersion)}`]);
  if (b.available) {
    rows.push(
      ['memory', `free ${formatBytes(m.freeBytes)} of ${formatBytes(m.totalBytes)}; pinned host ${formatBytes(m.pinnedBytes)}`],
      [
        'pool',
        `allocated ${formatBytes(m.allocatedBytes)} (peak ${formatBytes(m.peakAllocatedBytes)}), ` +
          `reserved ${formatBytes(m.reservedBytes)} (peak ${formatBytes(m.peakReservedBytes)}), ${m.allocCount} allocations`,
      ],
    );
  }
  if (r.blas.supported) {
    if ('error' in r.blas) rows.push(['cuBLAS', `unavailable: ${r.blas.error}`]);
    else rows.push(...infoRows(r.blas.info, 'cuBLAS'));
  } else {
    rows.push(['cuBLAS', 'not reported by this @lrqk/tensor (no blasInfo())']);
  }
  const tried = b.tried.map((t) => `    - ${t}`).join('\n');
  return `device report\n${table(rows)}\n  ${b.available ? 'probe' : 'why not CUDA (what was tried)'}:\n${tried}`;
}
