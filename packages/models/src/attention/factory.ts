// Attention backends by name, so the CLI, the server and the evaluation pick one with a string.
import type { AttentionBackend, AttentionShape } from './backend.ts';
import { FullAttention } from './full.ts';
import type { LrqkOptions } from './lrqk-options.ts';
import { OffloadAttention } from './offload.ts';

export type AttentionMethod = 'full' | 'offload' | 'lrqk';
export const attentionMethods: readonly AttentionMethod[] = ['full', 'offload', 'lrqk'];

export async function createAttention(method: string, shape: AttentionShape, lrqk: Partial<LrqkOptions> = {}): Promise<AttentionBackend> {
  switch (method) {
    case 'full':
      return new FullAttention(shape);
    case 'offload':
      return new OffloadAttention(shape);
    case 'lrqk': {
      const { LrqkAttention } = await import('./lrqk.ts');
      return new LrqkAttention(shape, lrqk);
    }
    default:
      throw new RangeError(`unknown attention method '${method}' (choose ${attentionMethods.join(', ')})`);
  }
}
