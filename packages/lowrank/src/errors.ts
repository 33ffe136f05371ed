// Typed errors of @lrqk/lowrank. Every failure is one of these; nothing returns a silent NaN.

/** Base class of every error thrown by @lrqk/lowrank. */
export class LowRankError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A shape, size, option or input value is invalid (includes non-finite inputs). */
export class LowRankArgumentError extends LowRankError {}

/** An operation is not allowed in the current state (e.g. the G.9 reference-compat crash). */
export class LowRankStateError extends LowRankError {}

/**
 * The r×r symmetric systems of the method. `prefill.*` are the block updates of B.3 (`final*` the B
 * recompute after the loop), `decode.*` the solves of C.2; `generic` is a direct call of the
 * Cholesky helpers.
 */
export type SolveSystem =
  | 'prefill.bQ'
  | 'prefill.bK'
  | 'prefill.aQ'
  | 'prefill.aK'
  | 'prefill.finalBQ'
  | 'prefill.finalBK'
  | 'decode.kHatInit'
  | 'decode.qHat'
  | 'decode.kHat'
  | 'generic';

/** Where a solve happened; `head` and `iteration` are set when known. */
export interface SolveContext {
  readonly system: SolveSystem;
  readonly head?: number;
  readonly iteration?: number;
}

/** Why a solve failed. */
export type SolveFailure = 'non-finite-input' | 'not-positive-definite' | 'non-finite-result';

/**
 * An r×r system could not be solved: its matrix is not symmetric positive definite even with the
 * largest jitter, or its input or result is not finite. Carries which system failed.
 */
export class LowRankSolveError extends LowRankError {
  readonly system: SolveSystem;
  readonly head: number | undefined;
  readonly iteration: number | undefined;
  readonly reason: SolveFailure;

  constructor(context: SolveContext, reason: SolveFailure, detail: string) {
    const where = [
      context.head === undefined ? '' : `head ${context.head}`,
      context.iteration === undefined ? '' : `iteration ${context.iteration}`,
    ]
      .filter((s) => s !== '')
      .join(', ');
    super(`lowrank: solve of system ${context.system}${where ? ` (${where})` : ''} failed: ${reason}: ${detail}`);
    this.system = context.system;
    this.head = context.head;
    this.iteration = context.iteration;
    this.reason = reason;
  }
}
