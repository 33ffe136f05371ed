// Python difflib.SequenceMatcher(None, a, b).ratio() (autojunk on, no junk function) over code
// points, and fuzzywuzzy's fuzz.ratio built on it (LongBench's code similarity; fuzzywuzzy falls
// back to difflib when python-Levenshtein is absent, as in LongBench's requirements).

interface Match {
  i: number;
  j: number;
  size: number;
}

/** difflib's matcher state for one (a, b) pair. */
class SequenceMatcher {
  readonly #a: string[];
  readonly #b: string[];
  readonly #b2j = new Map<string, number[]>();

  constructor(a: string, b: string) {
    this.#a = Array.from(a);
    this.#b = Array.from(b);
    this.#b.forEach((c, j) => {
      let list = this.#b2j.get(c);
      if (list === undefined) this.#b2j.set(c, (list = []));
      list.push(j);
    });
    // autojunk: in b of 200+ elements, elements occurring more than 1% + 1 times are "popular"
    // and left out of the index (they can still extend a match, as in difflib).
    const n = this.#b.length;
    if (n >= 200) {
      const ntest = Math.floor(n / 100) + 1;
      for (const [c, idxs] of [...this.#b2j]) if (idxs.length > ntest) this.#b2j.delete(c);
    }
  }

  #longestMatch(alo: number, ahi: number, blo: number, bhi: number): Match {
    const a = this.#a;
    const b = this.#b;
    let besti = alo;
    let bestj = blo;
    let bestsize = 0;
    let j2len = new Map<number, number>();
    for (let i = alo; i < ahi; i++) {
      const next = new Map<number, number>();
      for (const j of this.#b2j.get(a[i] as string) ?? []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (j2len.get(j - 1) ?? 0) + 1;
        next.set(j, k);
        if (k > bestsize) {
          besti = i - k + 1;
          bestj = j - k + 1;
          bestsize = k;
        }
      }
      j2len = next;
    }
    while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
      besti--;
      bestj--;
      bestsize++;
    }
    while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) bestsize++;
    return { i: besti, j: bestj, size: bestsize };
  }

  /** Total size of the matching blocks (difflib's get_matching_blocks). */
  matches(): number {
    const queue: [number, number, number, number][] = [[0, this.#a.length, 0, this.#b.length]];
    let total = 0;
    while (queue.length > 0) {
      const [alo, ahi, blo, bhi] = queue.pop() as [number, number, number, number];
      const { i, j, size } = this.#longestMatch(alo, ahi, blo, bhi);
      if (size > 0) {
        total += size;
        if (alo < i && blo < j) queue.push([alo, i, blo, j]);
        if (i + size < ahi && j + size < bhi) queue.push([i + size, ahi, j + size, bhi]);
      }
    }
    return total;
  }

  get length(): number {
    return this.#a.length + this.#b.length;
  }
}

/** difflib.SequenceMatcher(None, a, b).ratio(): 2·matches / (len(a) + len(b)), 1 for two empty strings. */
export function sequenceMatcherRatio(a: string, b: string): number {
  const m = new SequenceMatcher(a, b);
  return m.length === 0 ? 1 : (2 * m.matches()) / m.length;
}

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** fuzzywuzzy fuzz.ratio(s1, s2): 100 for equal strings, 0 when one is empty, else round(100 · ratio). */
export function fuzzRatio(s1: string, s2: string): number {
  if (s1 === s2) return 100;
  if (s1.length === 0 || s2.length === 0) return 0;
  return roundHalfEven(100 * sequenceMatcherRatio(s1, s2));
}
