// The README's example block and its printed output, for the example and pack tests.
import { readFileSync } from 'node:fs';

function blocks(): string[] {
  const md = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  return [...md.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => `${m[1]}\n${m[2]}`);
}

/** The first ```ts block of the README. */
export function readmeExample(): string {
  const b = blocks().find((x) => x.startsWith('ts\n'));
  if (!b) throw new Error('README has no ts block');
  return b.slice(3);
}

/** The untagged block right after it: what the example prints. */
export function readmeOutput(): string {
  const all = blocks();
  const i = all.findIndex((x) => x.startsWith('ts\n'));
  const out = all[i + 1];
  if (out === undefined || !out.startsWith('\n')) throw new Error('README has no output block after the example');
  return out.slice(1).trim();
}
