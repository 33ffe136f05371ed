import type { Tensor } from '@lrqk/tensor';

/**
 * Collects intermediate tensors of one forward step so they are freed deterministically (device
 * memory is invisible to the GC). `keep` removes a tensor from the scope before it ends.
 */
export class Scope {
  #tensors: Tensor[] = [];
  track<T extends Tensor>(t: T): T {
    this.#tensors.push(t);
    return t;
  }
  keep<T extends Tensor>(t: T): T {
    this.#tensors = this.#tensors.filter((x) => x.storage !== t.storage);
    return t;
  }
  dispose(): void {
    for (const t of this.#tensors) t.dispose();
    this.#tensors = [];
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}
