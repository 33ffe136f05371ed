/** Transfer and hit/miss counters of a KV tier manager (per layer and summed). */
export interface KvLayerStats {
  /** Active-slot lookups that found their row already on the device. */
  hits: number;
  /** Rows fetched from the host store. */
  misses: number;
  bytesHostToDevice: number;
  bytesDeviceToHost: number;
  /** Selection updates performed. */
  selections: number;
}

export interface KvStats extends KvLayerStats {
  layers: KvLayerStats[];
  /** hits / (hits + misses), 0..1 (1 when nothing was looked up). */
  hitRate: number;
  deviceBytes: number;
  hostBytes: number;
}

export function emptyLayerStats(): KvLayerStats {
  return { hits: 0, misses: 0, bytesHostToDevice: 0, bytesDeviceToHost: 0, selections: 0 };
}

export function sumStats(layers: KvLayerStats[], deviceBytes: number, hostBytes: number): KvStats {
  const total = emptyLayerStats();
  for (const l of layers) {
    total.hits += l.hits;
    total.misses += l.misses;
    total.bytesHostToDevice += l.bytesHostToDevice;
    total.bytesDeviceToHost += l.bytesDeviceToHost;
    total.selections += l.selections;
  }
  const looked = total.hits + total.misses;
  return { ...total, layers, hitRate: looked ? total.hits / looked : 1, deviceBytes, hostBytes };
}
