// Errors of @lrqk/eval. Every message names what was asked for and the setting to change.

/** Bad input to an evaluation (unknown task, a length a task cannot fit, a malformed data file). */
export class EvalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EvalError';
  }
}
