// `lrqk serve` end to end: the CLI from source on a tiny model directory (random weights, real
// byte-level tokenizer files from @lrqk/engine/testing), on a free loopback port; then health,
// the API key, a chat completion, a streamed completion and metrics over real HTTP; SIGTERM shuts
// it down gracefully with exit code 0. Bad flags fail with one line and exit code 1.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTinyModel } from '@lrqk/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'sk-serve-test';
let root: string;
let modelDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lrqk-serve-'));
  modelDir = await writeTinyModel(join(root, 'tiny'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function lrqk(args: string[]) {
  return spawnSync(process.execPath, ['--conditions=source', 'src/main.ts', ...args], { cwd: pkgDir, encoding: 'utf8', env: { ...process.env, LRQK_DEBUG: undefined, LRQK_API_KEY: undefined }, timeout: 60_000 });
}

/** Starts `lrqk serve` and resolves with the process and its base URL once it prints the address. */
function serve(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, ['--conditions=source', 'src/main.ts', 'serve', ...args], { cwd: pkgDir, env: { ...process.env, LRQK_DEBUG: undefined, LRQK_API_KEY: undefined } });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lrqk serve did not start: ${err}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at (http:\/\/\S+)\/v1/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stderr: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lrqk serve exited with ${code}: ${err}`));
    });
  });
}

describe('lrqk serve', () => {
  it('serves the OpenAI API with an API key and shuts down on SIGTERM with exit code 0', async () => {
    const { child, url, stderr } = await serve(['--model', modelDir, '--device', 'cpu', '--context', '512', '--port', '0', '--api-key', KEY, '--attention', 'lrqk', '--top-k', '32', '--lite', '8', '--log-level', 'warn']);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect((await fetch(`${url}/v1/models`)).status).toBe(401);
      const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
      const models = (await (await fetch(`${url}/v1/models`, { headers: auth })).json()) as { data: { id: string; max_model_len: number }[] };
      expect(models.data).toMatchObject([{ id: 'tiny', max_model_len: 512 }]);

      const chat = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5, temperature: 0 }) });
      expect(chat.status).toBe(200);
      const body = (await chat.json()) as { choices: { message: { role: string } }[]; usage: { completion_tokens: number } };
      expect(body.choices[0]!.message.role).toBe('assistant');
      expect(body.usage.completion_tokens).toBeLessThanOrEqual(5);

      const stream = await fetch(`${url}/v1/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'tiny', prompt: 'abc', max_tokens: 4, temperature: 0, stream: true }) });
      expect((await stream.text()).trimEnd().endsWith('data: [DONE]')).toBe(true);

      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('lrqk:time_to_first_token_seconds_count');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr()).toBe(0);
    expect(stderr()).toContain('SIGTERM, shutting down');
  });

  it('bad flags fail with one line and exit code 1', () => {
    const missing = lrqk(['serve', '--model', join(root, 'nope'), '--port', '0']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^lrqk: .*no such directory/);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const port = lrqk(['serve', '--model', modelDir, '--port', 'eighty']);
    expect(port.status).toBe(1);
    expect(port.stderr).toContain('--port must be an integer');
    const noModel = lrqk(['serve']);
    expect(noModel.status).not.toBe(0);
    expect(noModel.stderr).toContain('--model');
  });
});
