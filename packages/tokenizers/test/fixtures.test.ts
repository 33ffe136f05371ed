// Token ids and decodings of @lrqk/tokenizers against fixtures from the Rust `tokenizers` library
// (tools/oracle/tokenizer-fixtures.mjs writes them; tokenizer_fixtures.py cross-checks them).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, MODELS, modelDir, tokenizerFor } from './helpers.ts';

describe.each(MODELS)('%s matches the Rust tokenizers library', (name) => {
  const fx = fixture(name);

  it('fixtures were made from these tokenizer files', () => {
    const sha = createHash('sha256').update(readFileSync(join(modelDir(name), 'tokenizer.json'))).digest('hex');
    expect(sha, 'regenerate with node tools/oracle/tokenizer-fixtures.mjs').toBe(fx.tokenizerJsonSha256);
    expect(fx.cases.length).toBeGreaterThan(30);
  });

  it.each(fx.cases.map((c, i) => [i, JSON.stringify(c.text).slice(0, 50), c] as const))(
    'case %i %s',
    async (_i, _label, c) => {
      const tokenizer = await tokenizerFor(name);
      expect(tokenizer.encode(c.text, { addSpecialTokens: false })).toEqual(c.ids);
      expect(tokenizer.encode(c.text, { addSpecialTokens: true })).toEqual(c.idsWithSpecialTokens);
      expect(tokenizer.encode(c.text)).toEqual(c.idsWithSpecialTokens);
      expect(tokenizer.decode(c.idsWithSpecialTokens)).toBe(c.decoded);
      expect(tokenizer.decode(c.idsWithSpecialTokens, { skipSpecialTokens: true })).toBe(c.decodedSkipSpecial);
    },
  );
});
