// Loads @lrqk/tensor lazily: importing it loads the native addon, so `lrqk --help` and
// `lrqk --version` work even where the addon is not built, and a missing addon is one clear error.
export type TensorModule = typeof import('@lrqk/tensor');

let loaded: Promise<TensorModule> | undefined;

export function loadTensor(): Promise<TensorModule> {
  loaded ??= import('@lrqk/tensor');
  return loaded;
}
