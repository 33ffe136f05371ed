// @lrqk/eval: Long-context evaluation for lrqk: RULER-style tasks, perplexity, LongBench scoring, attention fidelity, reports and plots
export {};
