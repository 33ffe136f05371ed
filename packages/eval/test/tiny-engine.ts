// A real engine on a tiny random-weight Llama with a byte-level tokenizer (@lrqk/engine/testing),
// and a wrapper that counts generate calls (to check that resumed runs redo nothing).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine, type Engine } from '@lrqk/engine';
import { writeTinyModel } from '@lrqk/engine/testing';
import type { EvalEngine } from '../src/index.ts';

export async function tinyEngine(contextTokens = 2048): Promise<{ engine: Engine; dir: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'lrqk-eval-'));
  const dir = await writeTinyModel(join(root, 'tiny-llama'), { maxPositionEmbeddings: 4096 });
  const engine = await openEngine(dir, { device: 'cpu', contextTokens });
  return {
    engine,
    dir,
    cleanup: async () => {
      await engine.dispose();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** The engine's evaluation surface, counting generate calls. */
export function counting(engine: Engine): { engine: EvalEngine; calls: () => number } {
  let calls = 0;
  return {
    engine: {
      modelId: engine.modelId,
      contextTokens: engine.contextTokens,
      tokenizer: engine.tokenizer,
      encodePrompt: (t) => engine.encodePrompt(t),
      encodeChat: (m, o) => engine.encodeChat(m, o),
      createBackend: (c) => engine.createBackend(c),
      generate: (ids, o) => {
        calls++;
        return engine.generate(ids, o);
      },
      tokenLogProbs: (ids, o) => engine.tokenLogProbs(ids, o),
    },
    calls: () => calls,
  };
}
