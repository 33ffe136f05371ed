// Runnable example of @lrqk/eval (node --conditions=source packages/eval/example.ts from the repo
// root): task instances measured in a real tokenizer, then a RULER run of two attention methods on
// a tiny random-weight model with results, report and plots in /tmp/lrqk-eval-example.
import { openEngine } from '@lrqk/engine';
import { writeTinyModel } from '@lrqk/engine/testing';
import { loadTokenizer } from '@lrqk/tokenizers';
import { generateInstance, parseMethods, ResultsLog, rulerHeader, runRuler, scoreRuler, writeReport } from '@lrqk/eval';

// 1. An instance at 4K tokens of the embedded demo model's tokenizer.
const tokenizer = await loadTokenizer(new URL('../../assets/lrqk-demo-model', import.meta.url).pathname);
const inst = generateInstance(tokenizer, 'niah_multikey_1', 4096, 0, 42);
console.log(inst.id, `${inst.tokens} tokens`, 'answers', inst.answers, 'prefix', JSON.stringify(inst.answerPrefix));
console.log('score of the canonical completion:', scoreRuler(inst.metric, inst.completion, inst.answers));

// 2. A small matrix on a tiny random model (accuracy is ~0: its weights are random).
const dir = await writeTinyModel('/tmp/lrqk-eval-example/tiny-llama');
await using engine = await openEngine(dir, { device: 'auto', contextTokens: 2048 });
const header = rulerHeader(engine, { seed: 0, maxNewTokens: 16 });
const log = ResultsLog.open('/tmp/lrqk-eval-example/results.jsonl', header);
await runRuler({
  engine,
  log,
  methods: parseMethods('full,lrqk:rank=8:topK=64:lite=16'),
  tasks: ['niah_single_1', 'vt'],
  lengths: [512, 1024],
  count: 2,
  seed: 0,
  maxNewTokens: 16,
  onProgress: (e) => process.stderr.write(`\r${e.done}/${e.total}`),
});
const report = await writeReport({ header, records: log.records(), resultsFile: log.path, outDir: '/tmp/lrqk-eval-example' });
console.log('\nsummary', report.summary.map((s) => `${s.method} @${s.length}: ${s.score?.toFixed(1)}%`));
console.log('plots', report.plots);
