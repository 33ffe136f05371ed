// The README's example is examples/quickstart.ts, and it runs: a real server, the openai client, a stream with usage.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));

it('the README example is examples/quickstart.ts, and it runs', async () => {
  const readme = await readFile(`${pkg}/README.md`, 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBe(await readFile(`${pkg}/examples/quickstart.ts`, 'utf8'));
  const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=source', 'examples/quickstart.ts'], { cwd: pkg, timeout: 60_000 });
  expect(stdout).toMatch(/completion_tokens: 16/);
});
