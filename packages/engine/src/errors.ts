/** Base class of the errors @lrqk/engine throws itself (model and tokenizer errors pass through). */
export class EngineError extends Error {
  override name = 'EngineError';
}

/**
 * A request does not fit the context: prompt tokens + requested new tokens exceed what the engine
 * (its backends) were sized for. Carries the numbers so servers can answer with a precise 400.
 */
export class ContextLengthError extends EngineError {
  override name = 'ContextLengthError';
  readonly promptTokens: number;
  readonly maxNewTokens: number;
  readonly contextTokens: number;
  constructor(promptTokens: number, maxNewTokens: number, contextTokens: number) {
    super(
      `the prompt has ${promptTokens} tokens and ${maxNewTokens} new tokens were requested: ` +
        `${promptTokens + maxNewTokens} > the context limit of ${contextTokens} tokens ` +
        `(shorten the prompt, lower max tokens, or raise --context)`,
    );
    this.promptTokens = promptTokens;
    this.maxNewTokens = maxNewTokens;
    this.contextTokens = contextTokens;
  }
}
