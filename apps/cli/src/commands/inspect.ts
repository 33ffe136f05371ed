// `lrqk inspect gpu [--json]`: which backend @lrqk/tensor found, the GPU's properties, device
// memory, cuBLAS (when reported), what was tried when CUDA is unavailable, and LRQK_DEVICE.
// `lrqk inspect model DIR [--json]` (or `lrqk inspect DIR`): a checkpoint's architecture,
// parameters, stored dtypes, completeness, tokenizer files and memory needs — without loading it.
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from '@commander-js/extra-typings';
import { deviceReport, formatDeviceReport } from '../device-report.ts';
import { formatBytes, table } from '../format.ts';
import type { ModelInfo } from '../model-info.ts';
import { loadTensor } from '../tensor.ts';
import { assertModelDir } from '../model-options.ts';

/** "4096,32k" → [4096, 32768] (k = 1024 tokens). */
export function contextList(v: string): number[] {
  const list = v.split(',').map((s) => {
    const m = /^\s*(\d+)\s*(k?)\s*$/i.exec(s);
    return m ? Number(m[1]) * (m[2] ? 1024 : 1) : NaN;
  });
  if (list.some((n) => !Number.isInteger(n) || n < 1)) throw new InvalidArgumentError('expected positive integers, e.g. 4096,32768 or 4k,32k');
  return list;
}

/** Human-readable report of a checkpoint. */
export function formatModelInfo(info: ModelInfo, gpuFreeBytes: number | null): string {
  const c = info.config;
  const p = info.parameters;
  const rope = c.ropeScaling ? `${c.ropeScaling.type} ×${c.ropeScaling.factor}` : 'none';
  const lines: string[] = [`model ${info.dir}`];
  if (info.synthetic) lines.push(`  RANDOM WEIGHTS (lrqk synth${typeof info.synthetic.preset === 'string' ? ` --like ${info.synthetic.preset}` : ''}): shapes of a real model, not its behaviour`);
  lines.push(
    table([
      ['architecture', c.architecture],
      ['layers', String(c.numHiddenLayers)],
      ['hidden / intermediate', `${c.hiddenSize} / ${c.intermediateSize}`],
      ['attention heads', `${c.numAttentionHeads} query, ${c.numKeyValueHeads} KV (GQA ${c.numAttentionHeads / c.numKeyValueHeads}), head_dim ${c.headDim}`],
      ['vocabulary', String(c.vocabSize)],
      ['rope', `theta ${c.ropeTheta}, scaling ${rope}, max positions ${c.maxPositionEmbeddings}`],
      ['sliding window', c.slidingWindow === null ? 'none' : `${c.slidingWindow} tokens`],
      ['biases', [c.qkvBias && 'qkv', c.oBias && 'o', c.mlpBias && 'mlp'].filter(Boolean).join(', ') || 'none'],
      ['tied embeddings', c.tieWordEmbeddings ? 'yes' : 'no'],
      ['parameters', `${(p.total / 1e9).toFixed(3)} B (embedding ${(p.embedding / 1e6).toFixed(1)} M, layers ${(p.layers / 1e6).toFixed(1)} M, lm_head ${(p.lmHead / 1e6).toFixed(1)} M)`],
    ]),
  );
  const ck = info.checkpoint;
  const dtypes = Object.entries(ck.dtypes).map(([d, v]) => `${d} ${v.tensors} tensors ${formatBytes(v.bytes)}`).join('; ');
  lines.push('checkpoint');
  lines.push(
    table([
      ['files', `${ck.files.length} (${formatBytes(ck.bytes)})`],
      ['tensors', `${ck.tensors}: ${dtypes}`],
      ['config.json dtype', c.dtype ?? '(not stated)'],
      ['complete', info.checkpoint.missing.length === 0 && info.checkpoint.wrongShape.length === 0 ? 'yes: every tensor the architecture needs, with the right shape' : 'NO'],
      ['tokenizer', `tokenizer.json ${info.tokenizer.tokenizerJson ? 'yes' : 'MISSING'}, tokenizer_config.json ${info.tokenizer.tokenizerConfig ? 'yes' : 'no'}, generation_config.json ${info.tokenizer.generationConfig ? 'yes' : 'no'}`],
    ]),
  );
  for (const m of ck.missing.slice(0, 5)) lines.push(`  missing: ${m}`);
  if (ck.missing.length > 5) lines.push(`  … and ${ck.missing.length - 5} more missing`);
  for (const w of ck.wrongShape.slice(0, 5)) lines.push(`  wrong shape: ${w.name} is [${w.shape}], config implies [${w.expected}]`);
  if (ck.unused.length > 0) lines.push(`  unused tensors: ${ck.unused.length} (e.g. ${ck.unused[0]})`);
  lines.push(`memory (weights + KV cache; activations not included)${gpuFreeBytes !== null ? `; GPU free now ${formatBytes(gpuFreeBytes)}` : ''}`);
  lines.push(`  KV per token: ${formatBytes(info.kvBytesPerToken.bf16)} (bf16/f16), ${formatBytes(info.kvBytesPerToken.f32)} (f32)`);
  lines.push(
    table(
      info.memory.map((m) => [
        `${m.dtype} @ ${m.contextTokens} tokens`,
        `${formatBytes(m.totalBytes)} = weights ${formatBytes(m.weightBytes)} + KV ${formatBytes(m.kvBytes)}${gpuFreeBytes !== null ? (m.totalBytes <= gpuFreeBytes * 0.95 ? '  fits' : '  does NOT fit on the GPU (use --attention lrqk/offload or a shorter --context)') : ''}`,
      ]),
    ),
  );
  return lines.join('\n');
}

async function inspectModel(dir: string, opts: { json?: boolean; context?: number[] }): Promise<void> {
  await assertModelDir(dir);
  // Imported here: @lrqk/models loads the native addon, which `inspect gpu` reports on when missing.
  const { isComplete, modelInfo } = await import('../model-info.ts');
  const info = await modelInfo(resolve(dir), opts.context ? { contexts: opts.context } : {});
  let gpuFree: number | null = null;
  try {
    const t = await loadTensor();
    if (t.backendInfo().available) gpuFree = t.memoryStats().freeBytes;
  } catch {
    gpuFree = null; // no addon: the report is about the files
  }
  if (opts.json) {
    const { config, ...rest } = info;
    const { raw, ...cfg } = config;
    process.stdout.write(`${JSON.stringify({ ...rest, config: cfg, gpuFreeBytes: gpuFree }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatModelInfo(info, gpuFree)}\n`);
  }
  if (!isComplete(info)) process.exitCode = 1;
}

export function inspectCommand() {
  const inspect = new Command('inspect')
    .description('inspect the runtime environment (inspect gpu) or a model directory (inspect model DIR, or inspect DIR)')
    .argument('[dir]', 'a model directory (same as inspect model DIR)')
    .option('--json', 'print the report as JSON')
    .option('--context <list>', 'contexts to estimate memory for, e.g. 8192,32768 or 8k,32k', contextList)
    .action(async (dir, opts) => {
      if (dir === undefined) inspect.help({ error: true });
      else await inspectModel(dir, opts);
    });
  inspect
    .command('gpu')
    .description('report the tensor backend: CUDA device, versions, memory, cuBLAS, and why CUDA is not used')
    .option('--json', 'print the report as JSON')
    .action(async (own) => {
      // `inspect` itself declares --json too (for `inspect DIR --json`); commander may give it the flag.
      const opts = { ...inspect.opts(), ...own };
      const report = await deviceReport(await loadTensor());
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDeviceReport(report)}\n`);
    });
  inspect
    .command('model')
    .description('a checkpoint directory: architecture, parameters, dtypes, completeness, memory needs (no weights loaded)')
    .argument('<dir>', 'a Hugging Face model directory')
    .option('--json', 'print the report as JSON')
    .option('--context <list>', 'contexts to estimate memory for, e.g. 8192,32768 or 8k,32k', contextList)
    .action(async (dir, own) => inspectModel(dir, { ...inspect.opts(), ...own }));
  return inspect;
}
