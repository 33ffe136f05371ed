/** Plain reference of the slot-cache diff (spec D.2): returns the new map and the load list. */
export function slotDiffRef(map: number[], sel: number[]): { map: number[]; load: number[]; misses: number } {
  const selSet = new Set(sel);
  const old = new Set(map.filter((p) => p >= 0));
  const stale = map.map((p, s) => (p >= 0 && selSet.has(p) ? -1 : s)).filter((s) => s >= 0);
  const fresh = [...sel].filter((p) => !old.has(p)).sort((a, b) => a - b);
  const out = [...map];
  const load = map.map(() => -1);
  const n = Math.min(stale.length, fresh.length);
  for (let r = 0; r < n; r++) {
    out[stale[r]!] = fresh[r]!;
    load[stale[r]!] = fresh[r]!;
  }
  return { map: out, load, misses: n };
}
