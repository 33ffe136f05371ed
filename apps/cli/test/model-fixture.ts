// Shared by the synth/inspect/generate/chat tests: runs the CLI from source and writes small
// synthetic models with `lrqk synth` (a real config shape scaled down, the real Llama-3.1 tokenizer).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `lrqk …args` from source; `input` is piped to stdin (stdin is never a terminal here). */
export function lrqk(args: readonly string[], opts: { input?: string; env?: Record<string, string | undefined> } = {}): CliRun {
  const r = spawnSync(process.execPath, ['--conditions=source', 'src/main.ts', ...args], {
    cwd: pkgDir,
    encoding: 'utf8',
    input: opts.input ?? '',
    env: { ...process.env, LRQK_DEBUG: undefined, LRQK_DEVICE: 'cpu', ...opts.env },
    timeout: 110_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Config overrides that make a preset tiny: 2 layers, hidden 64, 4 heads / 2 KV heads of 16. */
export const TINY = ['--layers', '2', '--set', 'hidden_size=64', '--set', 'intermediate_size=128', '--set', 'num_attention_heads=4', '--set', 'num_key_value_heads=2', '--set', 'head_dim=16'];

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'lrqk-cli-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a tiny llama-3.2-1b-shaped model into `dir` with the CLI; throws with its stderr on failure. */
export function synthTiny(dir: string, extra: readonly string[] = []): CliRun {
  const r = lrqk(['synth', '--like', 'llama-3.2-1b', '--out', dir, '--quiet', ...TINY, ...extra]);
  if (r.code !== 0) throw new Error(`lrqk synth failed (${r.code}): ${r.stderr}`);
  return r;
}
