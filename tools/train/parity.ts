// Checks a checkpoint exported by tools/train against the PyTorch model that wrote it: lrqk's
// logits for the same ids must match logits saved by the trainer (f32 weights: ≤1e-3 abs).
//   node --conditions=source tools/train/parity.ts DIR IDS.json LOGITS.f32 [rows]
import { readFileSync } from 'node:fs';
import { openEngine } from '../../packages/engine/src/index.ts';

const [dir, idsFile, logitsFile] = process.argv.slice(2) as [string, string, string];
const ids = JSON.parse(readFileSync(idsFile, 'utf8')) as number[];
const want = new Float32Array(readFileSync(logitsFile).buffer.slice(0));
const engine = await openEngine(dir, { device: 'cpu', dtype: 'f32' });
const backend = await engine.createBackend({ method: 'full', maxTokens: ids.length });
const logits = engine.model.forward(ids, backend, { allLogits: true });
const got = logits.toFloat64Array();
const V = engine.config.vocabSize;
const rows = want.length / V;
let maxErr = 0;
let maxAbs = 0;
for (let r = 0; r < rows; r++) {
  for (let j = 0; j < V; j++) {
    const g = got[(ids.length - rows + r) * V + j]!;
    const w = want[r * V + j]!;
    maxErr = Math.max(maxErr, Math.abs(g - w));
    maxAbs = Math.max(maxAbs, Math.abs(w));
  }
}
console.log(`parity: ${rows} rows x ${V}: max abs err ${maxErr.toExponential(2)} (max |logit| ${maxAbs.toFixed(2)})`);
logits.dispose();
backend.dispose();
await engine.dispose();
if (!(maxErr <= 1e-3 * Math.max(1, maxAbs))) process.exitCode = 1;
