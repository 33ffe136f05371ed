// The ETA weights items by their length: after one 100-token item, 500 tokens of items are left.
import { describe, expect, it } from 'vitest';
import { pendingWeights, ProgressClock } from '../src/run/progress.ts';

describe('ProgressClock', () => {
  it('estimates the time left from the length-weighted rate of this session', async () => {
    const keys = ['full|100|vt|0', 'full|100|vt|1', 'full|400|vt|0', 'full|400|vt|1'];
    const weights = pendingWeights(keys, (k) => k === 'full|400|vt|1');
    expect(weights).toEqual([100, 100, 400]);
    const clock = new ProgressClock(4, 1, weights);
    expect(clock.event()).toMatchObject({ done: 1, total: 4, resumed: 1, etaMs: null });
    await new Promise((r) => setTimeout(r, 5));
    const e = clock.tick('full|100|vt|0', 100);
    expect(e.done).toBe(2);
    expect((e.etaMs as number) / e.elapsedMs).toBeCloseTo(5, 12);
  });
});
