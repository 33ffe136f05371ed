/**
 * A checkpoint file that cannot be read: missing, truncated, or with a header that contradicts
 * itself or the file. `file` is the offending file; `tensor` the tensor concerned, when one is.
 */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  readonly file: string;
  readonly tensor: string | undefined;

  constructor(file: string, tensor: string | undefined, message: string, options: { cause?: unknown } = {}) {
    super(
      `${file}${tensor === undefined ? '' : `: tensor "${tensor}"`}: ${message}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.file = file;
    this.tensor = tensor;
  }
}

/** A model config.json that is missing, not JSON, or describes a model lrqk cannot run. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly file: string;

  constructor(file: string, message: string, options: { cause?: unknown } = {}) {
    super(`${file}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.file = file;
  }
}
