// Needle in a haystack (RULER's niah_*): sentences "One of the special magic numbers for <key> is:
// <value>." hidden in noise, WikiText prose, or other needles; the question asks for the values of
// one or more keys.
import { vocabularyWords } from '../wikitext.ts';
import { essayHaystack, generatedHaystack, noiseHaystack, DEPTHS, type Haystack, type HaystackKind } from './haystack.ts';
import type { Random } from './random.ts';
import { fitHaystackPrompt, formatPrompt } from './template.ts';
import type { TaskContext, TaskOutput } from './types.ts';

/** A needle-in-a-haystack variant (RULER's niah parameters). */
export interface NiahConfig {
  haystack: HaystackKind;
  keyType: 'words' | 'numbers' | 'uuids';
  valueType: 'numbers' | 'uuids';
  /** Keys with needles in the text (RULER num_needle_k). */
  numKeys: number;
  /** Values per key (num_needle_v). */
  numValues: number;
  /** Keys asked about (num_needle_q ≤ numKeys). */
  numQueries: number;
}

function makeKey(random: Random, type: NiahConfig['keyType']): string {
  if (type === 'numbers') return random.digits(7);
  if (type === 'uuids') return random.uuid();
  const words = vocabularyWords();
  return `${random.pick(words)}-${random.pick(words)}`;
}

function makeValue(random: Random, type: NiahConfig['valueType']): string {
  return type === 'numbers' ? random.digits(7) : random.uuid();
}

/** `a`, `a and b`, `a, b, and c`. */
export function joinQuery(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  if (items.length === 2) return `${items[0]} and ${items[1]}`;
  return `${items.slice(0, -1).join(', ')}, and ${items.at(-1)}`;
}

/** One needle-in-a-haystack instance fitted to ctx.length tokens. */
export function generateNiah(ctx: TaskContext, label: string, config: NiahConfig): TaskOutput {
  const { random } = ctx;
  const noun = config.valueType;
  const needle = (key: string, value: string): string => `One of the special magic ${noun} for ${key} is: ${value}.`;

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
  const keys = Array.from({ length: config.numKeys }, () => fresh(() => makeKey(random, config.keyType)));
  const values = keys.map(() => Array.from({ length: config.numValues }, () => fresh(() => makeValue(random, config.valueType))));
  const queried = random.sample(
    keys.map((_, i) => i),
    config.numQueries,
  );
  const queries = queried.map((i) => keys[i] as string);
  const answers = queried.flatMap((i) => values[i] as string[]);

  const needles = random.shuffle(keys.flatMap((k, i) => (values[i] as string[]).map((v) => ({ key: k, value: v }))));
  const depths =
    needles.length <= DEPTHS.length
      ? random.sample(DEPTHS, needles.length).sort((a, b) => a - b)
      : needles.map(() => random.next()).sort((a, b) => a - b);
  const insertions = needles.map((n, i) => ({ depth: depths[i] as number, text: needle(n.key, n.value) }));

  let haystack: Haystack;
  let haystackStart: number | undefined;
  if (config.haystack === 'noise') haystack = noiseHaystack();
  else if (config.haystack === 'essay') {
    const essay = essayHaystack(random);
    haystack = essay;
    haystackStart = essay.start;
  } else {
    // Distractor needles: other keys, other values, same sentence; drawn from their own stream so
    // the fitter can extend the haystack without disturbing the instance's other random choices.
    const distractors = random.derive('distractors');
    haystack = generatedHaystack(() =>
      needle(
        fresh(() => makeKey(distractors, config.keyType)),
        fresh(() => makeValue(distractors, config.valueType)),
      ),
    );
  }

  const query = joinQuery(queries);
  const answerPrefix = `Answer: The special magic ${noun} for ${query} mentioned in the provided text are:`;
  const fitted = fitHaystackPrompt(ctx, label, haystack, insertions, (context) =>
    formatPrompt({
      instruction: `Some special magic ${noun} are hidden within the following text. Make sure to memorize it. I will quiz you about the ${noun} afterwards.`,
      context,
      question: `What are all the special magic ${noun} for ${query} mentioned in the provided text?`,
      answerPrefix,
    }),
  );
  return {
    prompt: fitted.prompt,
    answerPrefix,
    answers,
    completion: ` ${answers.join(', ')}.`,
    tokens: fitted.tokens,
    metadata: {
      haystack: config.haystack,
      ...(haystackStart === undefined ? {} : { haystackStartWord: haystackStart }),
      haystackPieces: fitted.pieces,
      keyType: config.keyType,
      valueType: config.valueType,
      keys,
      queries,
      needles: needles.map((n, i) => ({ ...n, depth: fitted.depths[i] })),
    },
  };
}
