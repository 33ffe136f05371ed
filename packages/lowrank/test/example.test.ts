// The README quickstart (examples/quickstart.ts) must keep running.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('examples/quickstart.ts runs', () => {
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  const out = execFileSync(process.execPath, ['--conditions=source', 'examples/quickstart.ts'], { cwd, encoding: 'utf8' });
  expect(out).toContain('factorize:');
  expect(out).toContain('decode-sparse');
  expect(out).toContain('stats:');
});
