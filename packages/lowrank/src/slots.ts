// Hit/miss diff of the active slots against a new selection (spec D.2).
import { LowRankArgumentError } from './errors.ts';

/** The slot map after a selection, and what had to move. */
export interface SlotUpdate {
  /** Slot s → position after the update. */
  readonly slots: number[];
  /** |S_new ∩ S_old|: positions already resident (their slots are kept). */
  readonly hits: number;
  /** Slots that receive a row from the CPU store, ascending. */
  readonly missSlots: number[];
  /** The positions written into `missSlots` (aligned), ascending. */
  readonly missPositions: number[];
  /** Positions of S_old \ S_new whose slots were overwritten or dropped, in slot order. */
  readonly evicted: number[];
}

function checkDistinct(what: string, xs: readonly number[], ascending: boolean): void {
  const seen = new Set<number>();
  xs.forEach((x, i) => {
    if (!Number.isInteger(x) || x < 0) throw new LowRankArgumentError(`updateSlots: ${what}[${i}] = ${x} is not a position`);
    if (seen.has(x)) throw new LowRankArgumentError(`updateSlots: ${what} repeats position ${x}`);
    if (ascending && i > 0 && xs[i - 1]! > x) throw new LowRankArgumentError(`updateSlots: ${what} is not ascending at ${i}`);
    seen.add(x);
  });
}

/**
 * Reference pairing (D.2): stale slots (holding S_old \ S_new), taken in ascending slot order,
 * receive the fresh positions (S_new \ S_old) in ascending order; every other slot is untouched.
 * `selected` must be ascending and distinct. When the sizes differ (only with the
 * all-candidates hook), extra fresh positions go to new slots appended at the end and unpaired
 * stale slots (the highest ones) are removed.
 */
export function updateSlots(oldSlots: readonly number[], selected: readonly number[]): SlotUpdate {
  checkDistinct('oldSlots', oldSlots, false);
  checkDistinct('selected', selected, true);
  const newSet = new Set(selected);
  const oldSet = new Set(oldSlots);
  const fresh = selected.filter((p) => !oldSet.has(p));
  const staleSlots: number[] = [];
  oldSlots.forEach((p, s) => {
    if (!newSet.has(p)) staleSlots.push(s);
  });
  const slots = oldSlots.slice();
  const missSlots: number[] = [];
  const missPositions: number[] = [];
  const evicted = staleSlots.map((s) => oldSlots[s]!);
  const paired = Math.min(staleSlots.length, fresh.length);
  for (let i = 0; i < paired; i++) {
    slots[staleSlots[i]!] = fresh[i]!;
    missSlots.push(staleSlots[i]!);
    missPositions.push(fresh[i]!);
  }
  for (let i = paired; i < fresh.length; i++) {
    missSlots.push(slots.length);
    missPositions.push(fresh[i]!);
    slots.push(fresh[i]!);
  }
  // Unpaired stale slots: remove from the highest down so lower slot indices stay valid.
  for (let i = staleSlots.length - 1; i >= paired; i--) slots.splice(staleSlots[i]!, 1);
  return { slots, hits: selected.length - fresh.length, missSlots, missPositions, evicted };
}
