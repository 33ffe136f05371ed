/**
 * @lrqk/lowrank — the low-rank math of LRQK (Low Rank Query and Key attention) as an exact float64
 * reference in plain TypeScript: prefill factorization of Q/K (spec B), the per-token decode
 * factor update (C.2, C.3), proxy scores and deterministic top-k selection, and a per-layer state
 * machine reproducing the decode step order and hit/miss mechanism (C.5, D). No dependencies.
 *
 * @packageDocumentation
 */
export {
  LowRankArgumentError,
  LowRankError,
  LowRankSolveError,
  LowRankStateError,
  type SolveContext,
  type SolveFailure,
  type SolveSystem,
} from './errors.ts';
export {
  add,
  addScaled,
  allFinite,
  at,
  clone,
  dot,
  frobeniusSq,
  fromRows,
  gatherColumns,
  gatherRows,
  headRows,
  identity,
  mat,
  matFrom,
  matmul,
  matmulNT,
  matmulTN,
  matVec,
  maxAbsDiff,
  outer,
  row,
  scale,
  sub,
  sumSqDiff,
  transpose,
  vecMat,
  zeros,
  type Mat,
} from './mat.ts';
export {
  CHOLESKY_RELATIVE_JITTERS,
  cholesky,
  choleskySolve,
  spdSolveLeft,
  spdSolveRight,
  spdSolveVec,
  type CholeskyFactor,
} from './cholesky.ts';
export { Rng, headSeed, randnMat } from './prng.ts';
export { columnAbsSums, initFactors, largestIndicesDescending, type InitialFactors, type InitMethod } from './init.ts';
export {
  factorize,
  factorizeHeads,
  updateA,
  updateB,
  type FactorizeBlock,
  type FactorizeBlockEvent,
  type FactorizeHeadInput,
  type FactorizeObserver,
  type FactorizeOptions,
  type Factors,
  type UpdateOrder,
} from './factorize.ts';
export {
  decodeUpdate,
  decodeUpdateHeads,
  initialKHat,
  onlineBUpdate,
  solveKHat,
  solveQHat,
  type DecodeHalfStep,
  type DecodeHalfStepEvent,
  type DecodeUpdateInput,
  type DecodeUpdateOptions,
  type DecodeUpdateResult,
} from './decode-update.ts';
export { decodeObjective, makePrefillObjective, prefillObjective, prefillResidual, type PrefillFactors } from './objective.ts';
export {
  candidateEnd,
  prefillBranch,
  proxyScores,
  selectTopK,
  type CompatOptions,
  type PrefillBranch,
  type SelectTopKOptions,
} from './select.ts';
export { updateSlots, type SlotUpdate } from './slots.ts';
export { attention, denseCausalAttention } from './attention.ts';
export { RowBuffer } from './row-buffer.ts';
export { CpuStore } from './cpu-store.ts';
export { WorkingSet, type KvRow } from './working-set.ts';
export {
  kvHeadOf,
  resolveLayerConfig,
  type DecodeInfo,
  type HeadSelection,
  type LayerPhase,
  type LayerStats,
  type LayerStepResult,
  type LrqkHooks,
  type LrqkLayerConfig,
  type PrefillInfo,
  type ResolvedLayerConfig,
  type StepKind,
  type TokenBlock,
  type TransferMode,
} from './layer-types.ts';
export { LrqkLayerReference } from './layer-reference.ts';
