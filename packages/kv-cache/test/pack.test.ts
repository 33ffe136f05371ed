// The published shape of @lrqk/kv-cache: `pnpm pack` of it and of the @lrqk/tensor it depends on
// (prepack builds each dist with tsup), `npm install` of both tarballs in an empty project outside
// the workspace, then the README example, copied verbatim, runs there on plain Node and prints
// what the README says. To keep CI short the tensor tarball is installed with --ignore-scripts and
// the consumer loads the addon this workspace already built (LRQK_TENSOR_ADDON); compiling the
// addon from its tarball is @lrqk/tensor's own pack test.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readmeExample, readmeOutput } from './readme.ts';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(pkgDir, '..', '..');
const addon = process.env.LRQK_TENSOR_ADDON ?? join(repoRoot, 'packages', 'tensor', 'build', 'Release', 'lrqk_tensor.node');
const PATH = [dirname(process.execPath), join(repoRoot, '.tools', 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter);

function run(cmd: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, PATH, ...env }, timeout: 240_000, maxBuffer: 64 << 20 });
  const log = `$ ${cmd} ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) throw new Error(`${cmd} failed (status ${r.status}, ${r.error?.message ?? 'no spawn error'}):\n${log.slice(-6000)}`);
  return r.stdout ?? '';
}

/** Why the test cannot run here (no built addon; no pnpm/npm, e.g. on the bare GPU machine), or ''. */
function missing(): string {
  if (!existsSync(addon)) return `no built @lrqk/tensor addon at ${addon}`;
  for (const tool of ['pnpm', 'npm']) {
    const r = spawnSync(tool, ['--version'], { env: { ...process.env, PATH }, encoding: 'utf8' });
    if (r.status !== 0) return `${tool} is not available (${r.error?.message ?? `status ${r.status}`})`;
  }
  return '';
}
const why = missing();

describe('@lrqk/kv-cache tarball', () => {
  it.skipIf(why !== '')(`installs with @lrqk/tensor in an empty project and runs the README example${why ? ` (skipped: ${why})` : ''}`, () => {
    const tmp = mkdtempSync(join(tmpdir(), 'lrqk-kv-pack-'));
    try {
      const packDir = join(tmp, 'pack');
      run('pnpm', ['pack', '--pack-destination', packDir], join(repoRoot, 'packages', 'tensor'));
      run('pnpm', ['pack', '--pack-destination', packDir], pkgDir);
      const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
      const kvTarball = tarballs.find((f) => f.startsWith('lrqk-kv-cache-'));
      const tensorTarball = tarballs.find((f) => f.startsWith('lrqk-tensor-'));
      expect(kvTarball && tensorTarball, `tarballs: ${tarballs.join(', ')}`).toBeTruthy();

      const listing = run('tar', ['tzf', join(packDir, kvTarball!)], tmp).split('\n');
      for (const f of ['dist/index.js', 'dist/index.d.ts', 'README.md', 'package.json']) expect(listing, `tarball lacks ${f}`).toContain(`package/${f}`);
      for (const f of listing) expect(f, 'no tests or node_modules in the tarball').not.toMatch(/^package\/(test|node_modules)\//);
      const manifest = run('tar', ['xzf', join(packDir, kvTarball!), '-O', 'package/package.json'], tmp);
      expect(manifest, 'workspace: ranges are rewritten').not.toContain('workspace:');

      const project = join(tmp, 'consumer');
      mkdirSync(project);
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'lrqk-kv-pack-check', private: true, type: 'module' }));
      run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', join(packDir, tensorTarball!), join(packDir, kvTarball!)], project);
      expect(existsSync(join(project, 'node_modules', '@lrqk', 'kv-cache', 'dist', 'index.js'))).toBe(true);

      // Plain Node (no `source` condition): the package resolves to its dist; Node 24 strips the types.
      writeFileSync(join(project, 'quickstart.ts'), readmeExample());
      const out = run(process.execPath, ['quickstart.ts'], project, { LRQK_TENSOR_ADDON: addon, LRQK_DEVICE: undefined });
      expect(out.trim()).toBe(readmeOutput());
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 300_000);
});
