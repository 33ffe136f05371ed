// `lrqk generate --model DIR [prompt…]`: loads a local Hugging Face checkpoint and streams a
// continuation of the prompt (argument, --prompt-file FILE, or stdin) to stdout. With --chat the
// prompt is one user message rendered with the model's chat template. Loading and prefill
// progress and the closing statistics go to stderr, so stdout is only the generated text
// (or, with --json, one JSON object).
import { Command } from '@commander-js/extra-typings';
import { addModelOptions, addSamplingOptions, engineGenerateOptions, formatGenerationStats, openModelEngine, parseModelOptions, parseSamplingOptions } from '../model-options.ts';
import { createProgress } from '../progress.ts';
import { readPrompt } from '../prompt-input.ts';

/** Prompts shorter than this prefill without a progress bar. */
const PROGRESS_MIN_TOKENS = 4096;

export function generateCommand() {
  const cmd = new Command('generate')
    .description('generate text from a prompt (argument, --prompt-file FILE, or stdin)')
    .argument('[prompt...]', 'the prompt (or use --prompt-file / stdin)')
    .option('-f, --prompt-file <file>', "read the prompt from a file ('-' = stdin)")
    .option('--chat', 'send the prompt as a user message through the chat template')
    .option('--system <text>', 'system message (with --chat)')
    .option('--json', 'print one JSON object (text, ids, usage, timing, attention stats) instead of streaming');
  addModelOptions(cmd);
  addSamplingOptions(cmd, { maxTokens: 256, temperature: 0 });
  cmd.action(async (words, raw) => {
    const all = raw as Record<string, unknown>;
    const model = parseModelOptions(all);
    const sampling = parseSamplingOptions(all);
    const opts = raw as { promptFile?: string; chat?: boolean; system?: string; json?: boolean };
    const prompt = await readPrompt({ args: words, file: opts.promptFile });
    const engine = await openModelEngine(model);
    try {
      const ids = opts.chat
        ? engine.encodeChat([...(opts.system ? [{ role: 'system', content: opts.system }] : []), { role: 'user', content: prompt }], { addGenerationPrompt: true })
        : engine.encodePrompt(prompt);
      engine.checkContext(ids.length, sampling.maxTokens);
      const backend = await engine.createBackend(model.attention);
      const prefillBar = createProgress({ label: 'prefill', unit: 'tokens', quiet: model.quiet || ids.length < PROGRESS_MIN_TOKENS });
      const ac = new AbortController();
      const onSigint = () => ac.abort();
      process.once('SIGINT', onSigint);
      try {
        const it = engine.generate(ids, engineGenerateOptions(model, sampling, { backend, signal: ac.signal, onPrefill: (d, t) => prefillBar.update(d, t) }));
        let r = await it.next();
        prefillBar.stop();
        while (!r.done) {
          if (!opts.json) process.stdout.write(r.value.text);
          r = await it.next();
        }
        const result = r.value;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ model: engine.modelId, promptTokens: ids.length, ...result })}\n`);
        } else {
          process.stdout.write('\n');
          if (!model.quiet) process.stderr.write(`${formatGenerationStats(result)}\n`);
        }
      } finally {
        process.off('SIGINT', onSigint);
        backend.dispose();
      }
    } finally {
      await engine.dispose();
    }
  });
  return cmd;
}
