// Attention method lists from the command line.
import { describe, expect, it } from 'vitest';
import { parseMethods } from '../src/index.ts';

describe('parseMethods', () => {
  it('parses methods and LRQK options (with short aliases); the label is the item as written', () => {
    expect(parseMethods('full, offload,lrqk,lrqk:rank=16:k=256:lite=32:layout=per-query-head:groupScore=sum')).toEqual([
      { label: 'full', method: 'full', lrqk: {} },
      { label: 'offload', method: 'offload', lrqk: {} },
      { label: 'lrqk', method: 'lrqk', lrqk: {} },
      {
        label: 'lrqk:rank=16:k=256:lite=32:layout=per-query-head:groupScore=sum',
        method: 'lrqk',
        lrqk: { rank: 16, topK: 256, lite: 32, layout: 'per-query-head', groupScore: 'sum' },
      },
    ]);
  });
  it('rejects unknown methods and options, options on exact methods, and duplicates', () => {
    expect(() => parseMethods('dense')).toThrow(/unknown attention method "dense"/);
    expect(() => parseMethods('lrqk:depth=3')).toThrow(/unknown lrqk option "depth=3"/);
    expect(() => parseMethods('lrqk:rank=x')).toThrow(/rank must be a non-negative integer/);
    expect(() => parseMethods('full:rank=8')).toThrow(/only lrqk takes options/);
    expect(() => parseMethods('full,full')).toThrow(/listed twice/);
    expect(() => parseMethods(' , ')).toThrow(/no attention method/);
  });
});
