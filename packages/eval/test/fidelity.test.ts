// Fidelity runs on a real tiny model with the LRQK backend's fidelity statistics: values in range,
// more selected tokens capture more of the exact attention mass, per-layer rows and plots, and
// exact methods refused.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fidelityHeader, parseMethods, perLayerMeans, ResultsLog, runFidelity, writeReport } from '../src/index.ts';
import { parseSvg, pngSize } from './svg-png.ts';
import { tinyEngine } from './tiny-engine.ts';

let tiny: Awaited<ReturnType<typeof tinyEngine>>;
const work = mkdtempSync(join(tmpdir(), 'lrqk-eval-fid-'));
beforeAll(async () => {
  tiny = await tinyEngine();
});
afterAll(async () => {
  await tiny.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('fidelity', () => {
  it('per-layer means average the heads of each layer', () => {
    expect(perLayerMeans([1, 2, 3, 4, 5, 6], 2, 3)).toEqual([2, 5]);
  });

  it('measures LRQK against exact attention per layer and head', async () => {
    const { engine } = tiny;
    const methods = parseMethods('lrqk:rank=8:topK=16:lite=8,lrqk:rank=8:topK=256:lite=8');
    const o = { seed: 3, maxNewTokens: 8 };
    const header = fidelityHeader(engine, o);
    const log = ResultsLog.open(join(work, 'results.jsonl'), header);
    const s = await runFidelity({ ...o, engine, methods, tasks: ['niah_single_1'], lengths: [512], count: 2, log });
    expect(s).toMatchObject({ completed: 4, aborted: false });
    const layers = engine.config.numHiddenLayers;
    const heads = engine.config.numAttentionHeads;
    for (const r of log.records()) {
      expect(r.values['sparseSteps']).toBeGreaterThan(0);
      for (const k of ['massCaptured', 'topkRecall', 'layerHitRate']) {
        expect(r.values[k]).toBeGreaterThanOrEqual(0);
        expect(r.values[k]).toBeLessThanOrEqual(1);
      }
      const perLayer = r.details?.['perLayer'] as { massCaptured: number[]; hitRate: number[] };
      expect(perLayer.massCaptured).toHaveLength(layers);
      expect(perLayer.hitRate).toHaveLength(layers);
      const perHead = r.details?.['perHead'] as { massCaptured: number[] };
      expect(perHead.massCaptured).toHaveLength(layers * heads);
      expect(perLayer.massCaptured[0]).toBeCloseTo(perHead.massCaptured.slice(0, heads).reduce((a, b) => a + b, 0) / heads, 12);
      // One hit rate per decode step (the first token comes from the prefill).
      const steps = r.details?.['stepHitRate'] as (number | null)[];
      expect(steps).toHaveLength((r.values['generatedTokens'] as number) - 1);
      for (const v of steps) if (v !== null) expect(v >= 0 && v <= 1).toBe(true);
      expect(steps.some((v) => v !== null)).toBe(true);
    }
    // 256 + 8 of ~512 tokens attended hold more of the exact mass than 16 + 8 do.
    const mass = (label: string) => log.records().filter((r) => r.method === label).map((r) => r.values['massCaptured'] as number);
    const small = mass('lrqk:rank=8:topK=16:lite=8');
    const large = mass('lrqk:rank=8:topK=256:lite=8');
    for (let i = 0; i < 2; i++) expect(large[i]).toBeGreaterThan(small[i] as number);

    const report = await writeReport({ header, records: log.records(), resultsFile: log.path, outDir: work });
    expect(report.perLayer).toHaveLength(2 * layers);
    expect(report.perStep?.length).toBeGreaterThan(0);
    for (const base of ['fidelity-per-layer', 'hit-rate-per-layer', 'hit-rate-per-step']) {
      expect(pngSize(join(work, `${base}.png`)).width).toBeGreaterThan(200);
      expect(parseSvg(readFileSync(join(work, `${base}.svg`), 'utf8')).elements).toBeGreaterThan(10);
    }
  });

  it('refuses exact methods', async () => {
    const { engine } = tiny;
    const o = { seed: 0, maxNewTokens: 4 };
    const log = ResultsLog.open(join(work, 'exact.jsonl'), fidelityHeader(engine, o));
    await expect(runFidelity({ ...o, engine, methods: parseMethods('full,lrqk'), tasks: ['vt'], lengths: [512], count: 1, log })).rejects.toThrow(/full attend exactly/);
  });
});
