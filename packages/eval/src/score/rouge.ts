// ROUGE-L F as LongBench computes it: the `rouge` Python package (pltrdy/rouge 1.0.1,
// Rouge().get_scores(hyp, ref)["rouge-l"]["f"]), i.e. summary-level ROUGE-L with exclusive
// (set) counting. Texts are split into "sentences" at every ".", words at single spaces.

/** Python's str.split() with no argument: runs of whitespace, no empty strings. */
function pySplit(s: string): string[] {
  return s.split(/\s+/).filter((w) => w !== '');
}

/** rouge's sentence split: s.split(".") keeping non-empty pieces, each re-joined on single spaces. */
function sentences(text: string): string[] {
  return text
    .split('.')
    .filter((s) => s.length > 0)
    .map((s) => pySplit(s).join(' '));
}

/** The words of the LCS of x and y, reconstructed as rouge's _recon_lcs walks the table. */
function lcsWords(x: readonly string[], y: readonly string[]): string[] {
  const n = x.length;
  const m = y.length;
  const table: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = 1; i <= n; i++) {
    const row = table[i] as Uint32Array;
    const prev = table[i - 1] as Uint32Array;
    for (let j = 1; j <= m; j++) {
      row[j] = x[i - 1] === y[j - 1] ? (prev[j - 1] as number) + 1 : Math.max(prev[j] as number, row[j - 1] as number);
    }
  }
  const out: string[] = [];
  let i = n;
  let j = m;
  while (i > 0 && j > 0) {
    if (x[i - 1] === y[j - 1]) {
      out.push(x[i - 1] as string);
      i--;
      j--;
    } else if ((table[i - 1] as Uint32Array)[j]! > (table[i] as Uint32Array)[j - 1]!) i--;
    else j--;
  }
  return out.reverse();
}

/** ROUGE-L F (summary level, exclusive) of a hypothesis against a reference; 0 when either has no sentence. */
export function rougeL(hypothesis: string, reference: string): number {
  const hyp = sentences(hypothesis);
  const ref = sentences(reference);
  if (hyp.length === 0 || ref.length === 0) return 0; // rouge raises; LongBench scores 0
  const words = (ss: readonly string[]): string[] => ss.flatMap((s) => s.split(' '));
  const m = new Set(words(ref)).size;
  const n = new Set(words(hyp)).size;
  const union = new Set<string>();
  for (const r of ref) {
    const rw = r.split(' ');
    for (const h of hyp) for (const w of lcsWords(rw, h.split(' '))) union.add(w);
  }
  const llcs = union.size;
  const r = llcs / m;
  const p = llcs / n;
  return 2 * ((p * r) / (p + r + 1e-8));
}
