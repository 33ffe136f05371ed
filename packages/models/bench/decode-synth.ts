// The benchmark checkpoint without the CLI: `lrqk synth --like NAME --out DIR --no-tokenizer`
// through @lrqk/models alone, for machines where the CLI cannot start (a dependency of another
// command missing from the GPU machine's pack). tools/device/bench-decode.sh falls back to it.
//   node --conditions=source packages/models/bench/decode-synth.ts NAME DIR [--layers N]
import { modelPreset, synthesizeCheckpoint } from '../src/index.ts';

const [name, dir, flag, value] = process.argv.slice(2);
if (!name || !dir || (flag !== undefined && (flag !== '--layers' || !/^\d+$/.test(value ?? '')))) {
  process.stderr.write('usage: decode-synth.ts NAME DIR [--layers N]\n');
  process.exit(2);
}
const preset = modelPreset(name);
let last = 0;
const r = await synthesizeCheckpoint(dir, {
  config: preset.config,
  overrides: flag ? { num_hidden_layers: Number(value) } : {},
  provenance: { preset: preset.name, source: preset.source, tokenizer: 'none (decode-synth.ts)' },
  onProgress: (done, total) => {
    const now = performance.now();
    if (now - last > 5000) {
      last = now;
      process.stderr.write(`decode-synth: ${(done / 2 ** 30).toFixed(1)} / ${(total / 2 ** 30).toFixed(1)} GiB\n`);
    }
  },
});
process.stderr.write(`decode-synth: wrote ${dir}: ${(r.parameterCount / 1e9).toFixed(2)} B parameters, ${(r.bytes / 2 ** 30).toFixed(1)} GiB in ${(r.ms / 1e3).toFixed(1)} s\n`);
