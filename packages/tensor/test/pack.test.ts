// The published shape of @lrqk/tensor: `pnpm pack` (prepack builds dist with tsup), then
// `npm install <tarball>` in an empty project outside the workspace, which compiles the addon from
// source (CPU only, LRQK_CUDA=0, to keep it short), then an ESM script imports the package and runs
// an op. Needs the npm registry for cmake-js/node-addon-api/node-api-headers; the native build
// itself must download nothing (headers come from node-api-headers because package.json has
// `binary.napi_versions`), which the blocked Node mirror below enforces.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(pkgDir, '..', '..');

/** This Node first (npm's install script then runs on it too), and the repo's own pnpm. */
const PATH = [dirname(process.execPath), join(repoRoot, '.tools', 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter);

function run(cmd: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}): string {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PATH, ...env },
    timeout: 540_000,
    maxBuffer: 64 << 20,
  });
  const log = `$ ${cmd} ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) throw new Error(`${cmd} failed (status ${r.status}, ${r.error?.message ?? 'no spawn error'}):\n${log.slice(-6000)}`);
  return log;
}

const consumer = `
import { Tensor, rmsnorm, backendInfo } from '@lrqk/tensor';
import { native } from '@lrqk/tensor/internal';
const x = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
const w = Tensor.from([1, 0.5, 2], [3]);
const y = rmsnorm(x, w, { eps: 0 });
console.log(JSON.stringify({ compiled: backendInfo().compiled, device: y.device, shape: y.shape, y: y.toArray(), internal: typeof native.probe }));
`;

describe('@lrqk/tensor tarball', () => {
  it('packs, installs outside the workspace (building the addon), and runs rmsnorm', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'lrqk-pack-'));
    try {
      const packDir = join(tmp, 'pack');
      run('pnpm', ['pack', '--pack-destination', packDir], pkgDir);
      const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
      expect(tarballs).toHaveLength(1);
      const tarball = join(packDir, tarballs[0]!);

      const listing = run('tar', ['tzf', tarball], tmp).split('\n');
      for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/internal.js', 'scripts/build-native.mjs', 'CMakeLists.txt', 'native/binding/addon.cc']) {
        expect(listing, `tarball lacks ${f}`).toContain(`package/${f}`);
      }
      for (const f of listing) expect(f, 'no build outputs or tests in the tarball').not.toMatch(/^package\/(build|test|node_modules)\//);

      const project = join(tmp, 'consumer');
      run('mkdir', ['-p', project], tmp);
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'lrqk-pack-check', private: true, type: 'module' }));
      const install = run('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', '--loglevel=error', tarball], project, {
        LRQK_CUDA: '0',
        LRQK_BUILD_JOBS: process.env.LRQK_BUILD_JOBS ?? '2',
        // Any attempt to fetch Node headers would hit this dead mirror and fail the install.
        NVM_NODEJS_ORG_MIRROR: 'http://127.0.0.1:9/no-downloads',
        LRQK_TENSOR_ADDON: undefined,
      });
      expect(install).toContain('CUDA backend: off, LRQK_CUDA=0');
      const installed = join(project, 'node_modules', '@lrqk', 'tensor');
      expect(existsSync(join(installed, 'build', 'Release', 'lrqk_tensor.node'))).toBe(true);

      writeFileSync(join(project, 'check.mjs'), consumer);
      const out = run(process.execPath, ['check.mjs'], project, { LRQK_TENSOR_ADDON: undefined, LRQK_DEVICE: undefined });
      const line = out.split('\n').find((l) => l.startsWith('{'));
      expect(line, out).toBeDefined();
      const got = JSON.parse(line!) as { compiled: boolean; device: string; shape: number[]; y: number[]; internal: string };
      expect(got).toMatchObject({ compiled: false, device: 'cpu', shape: [2, 3], internal: 'function' });
      // rms of [1,2,3] = sqrt(14/3), of [4,5,6] = sqrt(77/3); times w = [1, 0.5, 2].
      const want = [1, 2, 3, 4, 5, 6].map((v, i) => (v / Math.sqrt(i < 3 ? 14 / 3 : 77 / 3)) * [1, 0.5, 2][i % 3]!);
      got.y.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 600_000);
});
