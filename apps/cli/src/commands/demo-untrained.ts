// While the embedded model's weights are not trained (see tools/train/README.md), `lrqk demo` still
// runs end to end: on a random-weight model of the embedded model's exact shape and tokenizer,
// written to a temporary directory. Its answers are meaningless and the demo says so; what it shows
// is the machinery — long prompt, full attention vs LRQK, time, memory, hit rate.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The shape tools/train/model.py trains (Config): 4 layers × 384, 4 query / 1 KV head of dim 128. */
const EMBEDDED_SHAPE = { layers: 4, hiddenSize: 384, intermediateSize: 768, heads: 4, kvHeads: 1, headDim: 128, ropeTheta: 500_000, maxPositionEmbeddings: 32_768 };

/** Writes the stand-in model; the returned dispose removes it. */
export async function writeUntrainedStandIn(embeddedDir: string): Promise<{ dir: string; dispose(): Promise<void> }> {
  const { writeTinyModel } = await import('@lrqk/engine/testing');
  const { loadTokenizer } = await import('@lrqk/tokenizers');
  const tokenizer = await loadTokenizer(embeddedDir);
  const root = await mkdtemp(join(tmpdir(), 'lrqk-demo-'));
  const dir = join(root, 'lrqk-demo-model-untrained');
  try {
    await writeTinyModel(dir, { ...EMBEDDED_SHAPE, seed: 1, tokenizerDir: embeddedDir, eosTokenIds: [...tokenizer.eosTokenIds] });
  } catch (e) {
    await rm(root, { recursive: true, force: true });
    throw e;
  }
  return { dir, dispose: () => rm(root, { recursive: true, force: true }) };
}
