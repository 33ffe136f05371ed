/**
 * Thrown for a tokenizer directory that cannot be used: a missing or corrupt file, an unsupported
 * tokenizer component, a token id outside the vocabulary, or a chat template that fails to render.
 * `file` names the offending file when there is one.
 */
export class TokenizerError extends Error {
  override readonly name = 'TokenizerError';
  readonly file: string | undefined;

  constructor(message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.file = options.file;
  }
}
