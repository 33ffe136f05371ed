// The README example is examples/quickstart.ts verbatim, and it runs and prints what the README says.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { readmeExample, readmeOutput } from './readme.ts';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));

it('the README block is examples/quickstart.ts', () => {
  expect(readmeExample()).toBe(readFileSync(new URL('../examples/quickstart.ts', import.meta.url), 'utf8'));
});

it('examples/quickstart.ts prints the output the README shows', () => {
  const out = execFileSync(process.execPath, ['--conditions=source', 'examples/quickstart.ts'], { cwd: pkgDir, encoding: 'utf8' });
  expect(out.trim()).toBe(readmeOutput());
});
