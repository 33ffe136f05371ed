// `lrqk synth --like llama-3.1-8b --out DIR [--layers N] [--set key=value]…`: writes a random-weight
// checkpoint with a real model's config.json and real tokenizer files, so benchmarks and tests run
// real shapes without downloads. Weights are generated and streamed to disk shard by shard.
// @lrqk/models is imported when the command runs (it loads the native addon; --help must not).
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import type { FillDType } from '@lrqk/models';
import { CliError } from '../errors.ts';
import { formatBytes } from '../format.ts';
import { createProgress } from '../progress.ts';
import { directoryTokenizerFiles, packagedTokenizerFiles } from '../tokenizer-files.ts';

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

/** `key=value` pairs; the value is parsed as JSON when it is valid JSON, else kept as a string. */
export function collectSetting(pair: string, prev: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got '${pair}'`);
  const key = pair.slice(0, eq);
  const text = pair.slice(eq + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // a plain string
  }
  return { ...prev, [key]: value };
}

export function synthCommand() {
  return new Command('synth')
    .description('write a random-weight checkpoint with a real config and tokenizer (no download)')
    .requiredOption('--like <model>', 'the model whose shape to copy: llama-3.1-8b, llama-3.2-1b, qwen2.5-7b, qwen2.5-0.5b, mistral-7b-v0.3')
    .requiredOption('--out <dir>', 'directory to write (created; must be empty unless --force)')
    .option('--layers <n>', 'number of decoder layers (default: the real model\'s)', positiveInt('--layers'))
    .option('--set <key=value>', 'override a config.json field (repeatable), e.g. --set hidden_size=256', collectSetting)
    .addOption(new Option('--dtype <dtype>', 'weight dtype').choices(['bf16', 'f16', 'f32'] as const).default('bf16' as const))
    .option('--seed <n>', 'seed of the random weights', (v) => Number.parseInt(v, 10), 0)
    .option('--std <x>', 'standard deviation of the random matrices (default: initializer_range, 0.02)', Number.parseFloat)
    .option('--tokenizer <dir>', 'copy tokenizer.json/tokenizer_config.json from this directory instead of the packaged ones')
    .option('--no-tokenizer', 'write no tokenizer files (enough for benchmarks on random token ids)')
    .option('--force', 'write into a non-empty directory')
    .option('--quiet', 'no progress output')
    .action(async (opts) => {
      const { modelPreset, synthesizeCheckpoint } = await import('@lrqk/models');
      let preset;
      try {
        preset = modelPreset(opts.like);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      const out = resolve(opts.out);
      const overrides: Record<string, unknown> = { ...(opts.set ?? {}) };
      if (opts.layers !== undefined) overrides.num_hidden_layers = opts.layers;
      let tokenizerFiles: string[] = [];
      let tokenizerSource: string;
      if (opts.tokenizer === false) {
        tokenizerSource = 'none (--no-tokenizer)';
      } else if (typeof opts.tokenizer === 'string') {
        tokenizerFiles = await directoryTokenizerFiles(resolve(opts.tokenizer));
        tokenizerSource = resolve(opts.tokenizer);
      } else if (preset.tokenizer === null) {
        throw new CliError(`${preset.name}: ${preset.tokenizerNote ?? 'no packaged tokenizer'}`);
      } else {
        tokenizerFiles = packagedTokenizerFiles(preset.tokenizer);
        tokenizerSource = preset.tokenizerNote ?? `${preset.tokenizer} tokenizer files`;
      }
      const progress = createProgress({ label: `lrqk synth: writing ${out}`, unit: 'bytes', quiet: opts.quiet ?? false });
      let result;
      try {
        result = await synthesizeCheckpoint(out, {
          config: preset.config,
          overrides,
          dtype: opts.dtype as FillDType,
          seed: opts.seed,
          ...(opts.std !== undefined ? { std: opts.std } : {}),
          extraFiles: tokenizerFiles,
          overwrite: opts.force ?? false,
          provenance: { preset: preset.name, source: preset.source, tokenizer: tokenizerSource },
          onProgress: (d, t) => progress.update(d, t),
        });
      } catch (e) {
        const err = e as Error;
        // Config validation and a non-empty target are the user's to fix: one clear line.
        if (err.name === 'ConfigError') throw new CliError(err.message);
        if (/is not empty/.test(err.message)) throw new CliError(err.message.replace('allow overwriting', 'pass --force'));
        throw e;
      } finally {
        progress.stop();
      }
      const c = result.config;
      process.stdout.write(
        `wrote ${out}\n` +
          `  like        ${preset.name} (${preset.source}), random weights, seed ${opts.seed}\n` +
          `  shape       ${c.architecture}, ${c.numHiddenLayers} layers, hidden ${c.hiddenSize}, ${c.numAttentionHeads} heads / ${c.numKeyValueHeads} KV heads × ${c.headDim}, vocab ${c.vocabSize}\n` +
          `  parameters  ${(result.parameterCount / 1e9).toFixed(3)} B, ${formatBytes(result.bytes)} ${opts.dtype}\n` +
          `  tokenizer   ${tokenizerSource}\n` +
          `  time        ${(result.ms / 1000).toFixed(1)} s (${formatBytes(result.bytes / (result.ms / 1000))}/s)\n`,
      );
    });
}
