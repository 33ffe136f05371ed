// `lrqk chat --model DIR`: a conversation in the terminal through the model's chat template. Each
// user line is a turn; the reply streams to stdout. When stdin is not a terminal, every line read
// is a turn (scripts and tests). /reset forgets the conversation, /exit (or end of input) quits.
// Every turn prefills the whole conversation on a fresh backend (the engine's backends start empty).
import { createInterface } from 'node:readline/promises';
import { Command } from '@commander-js/extra-typings';
import type { ChatMessage } from '@lrqk/engine';
import { CliError } from '../errors.ts';
import { addModelOptions, addSamplingOptions, engineGenerateOptions, formatGenerationStats, openModelEngine, parseModelOptions, parseSamplingOptions } from '../model-options.ts';

export function chatCommand() {
  const cmd = new Command('chat')
    .description('chat with a model in the terminal (lines on stdin are user turns; /reset, /exit)')
    .option('--system <text>', 'system message at the start of the conversation');
  addModelOptions(cmd);
  addSamplingOptions(cmd, { maxTokens: 512, temperature: 0.7 });
  cmd.action(async (raw) => {
    const all = raw as Record<string, unknown>;
    const model = parseModelOptions(all);
    const sampling = parseSamplingOptions(all);
    const system = (raw as { system?: string }).system;
    const engine = await openModelEngine(model);
    const interactive = process.stdin.isTTY === true;
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
    try {
      if (!engine.tokenizer.hasChatTemplate) throw new CliError(`${engine.dir}: the tokenizer has no chat template; use lrqk generate for plain completion`);
      const start: ChatMessage[] = system ? [{ role: 'system', content: system }] : [];
      let messages = [...start];
      if (interactive) process.stderr.write('type a message; /reset starts over, /exit quits\n');
      const ac = new AbortController();
      // The async iterator buffers lines, so piped input is not lost between turns.
      const lines = rl[Symbol.asyncIterator]();
      for (;;) {
        if (interactive) process.stdout.write('> ');
        const next = await lines.next();
        if (next.done) break;
        const line: string = next.value;
        const text = line.trim();
        if (text === '/exit' || text === '/quit') break;
        if (text === '/reset') {
          messages = [...start];
          continue;
        }
        if (text === '') continue;
        messages.push({ role: 'user', content: text });
        const ids = engine.encodeChat(messages, { addGenerationPrompt: true });
        const maxTokens = Math.min(sampling.maxTokens, engine.contextTokens - ids.length);
        if (maxTokens <= 0) {
          messages.pop();
          process.stderr.write(`the conversation fills the ${engine.contextTokens}-token context; /reset to start over\n`);
          continue;
        }
        const backend = await engine.createBackend(model.attention);
        try {
          const it = engine.generate(ids, engineGenerateOptions(model, sampling, { backend, signal: ac.signal }, maxTokens));
          let r = await it.next();
          while (!r.done) {
            process.stdout.write(r.value.text);
            r = await it.next();
          }
          process.stdout.write('\n');
          messages.push({ role: 'assistant', content: r.value.text });
          if (!model.quiet) process.stderr.write(`${formatGenerationStats(r.value)}\n`);
        } finally {
          backend.dispose();
        }
      }
    } finally {
      rl.close();
      await engine.dispose();
    }
  });
  return cmd;
}
