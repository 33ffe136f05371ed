// Variable tracking (RULER's vt): a chain "VAR A = 12345. VAR B = VAR A. …" hidden in the noise
// haystack, in order; the question asks which variables end up holding the value.
import { noiseHaystack } from './haystack.ts';
import type { Random } from './random.ts';
import { fitHaystackPrompt, formatPrompt } from './template.ts';
import type { TaskContext, TaskOutput } from './types.ts';

/** RULER's variable tracking parameters. */
export interface VariableTrackingConfig {
  /** Independent chains (each with its own value); the question is about the first. */
  chains: number;
  /** Assignments after the first in each chain (a chain has hops + 1 variables). */
  hops: number;
}

function variableName(random: Random): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += String.fromCharCode(65 + random.int(0, 25));
  return s;
}

/** One variable tracking instance fitted to ctx.length tokens. */
export function generateVariableTracking(ctx: TaskContext, label: string, config: VariableTrackingConfig): TaskOutput {
  const { random } = ctx;
  const used = new Set<string>();
  const fresh = (make: () => string): string => {
    for (;;) {
      const s = make();
      if (!used.has(s)) {
        used.add(s);
        return s;
      }
    }
  };
  const chains = Array.from({ length: config.chains }, () => ({
    value: fresh(() => random.digits(5)),
    vars: Array.from({ length: config.hops + 1 }, () => fresh(() => variableName(random))),
  }));
  // Each chain's statements in order; chains interleave at random depths: shuffle one chain label
  // per statement, then hand out each chain's statements in turn.
  const statements = chains.map((c) => c.vars.map((v, i) => (i === 0 ? `VAR ${v} = ${c.value}.` : `VAR ${v} = VAR ${c.vars[i - 1]}.`)));
  const depths = statements.flat().map(() => random.next()).sort((a, b) => a - b);
  const labels = random.shuffle(statements.flatMap((list, ci) => list.map(() => ci)));
  const next = chains.map(() => 0);
  const insertions = labels.map((ci, k) => ({ depth: depths[k] as number, text: (statements[ci] as string[])[(next[ci] as number)++] as string }));

  const target = chains[0] as { value: string; vars: string[] };
  const answerPrefix = `Answer: According to the chain(s) of variable assignment in the text above, ${target.vars.length} variables are assigned the value ${target.value}, they are:`;
  const fitted = fitHaystackPrompt(ctx, label, noiseHaystack(), insertions, (context) =>
    formatPrompt({
      instruction: 'Memorize and track the chain(s) of variable assignment hidden in the following text.',
      context,
      question: `Question: Find all variables that are assigned the value ${target.value} in the text above.`,
      answerPrefix,
    }),
  );
  return {
    prompt: fitted.prompt,
    answerPrefix,
    answers: target.vars,
    completion: ` ${target.vars.join(' ')}`,
    tokens: fitted.tokens,
    metadata: {
      haystack: 'noise',
      haystackPieces: fitted.pieces,
      chains,
      statements: insertions.map((ins, i) => ({ text: ins.text, depth: fitted.depths[i] })),
    },
  };
}
