#!/usr/bin/env node
// Builds the native addon with cmake-js (no downloads: headers come from node-api-headers and
// node-addon-api). Flags: --if-missing (skip when the .node exists and no source is newer),
// --debug. Env: LRQK_CUDA=0 builds without the CUDA backend even when nvcc exists;
// LRQK_BUILD_JOBS sets parallelism.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'Release', 'lrqk_tensor.node');
const args = new Set(process.argv.slice(2));

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

if (args.has('--if-missing') && existsSync(out)) {
  const built = statSync(out).mtimeMs;
  const src = Math.max(newestSource(join(root, 'native')), statSync(join(root, 'CMakeLists.txt')).mtimeMs);
  if (built >= src) {
    console.log('@lrqk/tensor: native addon up to date');
    process.exit(0);
  }
}

const which = spawnSync('sh', ['-c', 'command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null'], { encoding: 'utf8' });
const nvcc = which.stdout.trim().split('\n')[0] || '';
const wantCuda = process.env.LRQK_CUDA !== '0' && process.env.LRQK_CUDA !== 'OFF';
const jobs = process.env.LRQK_BUILD_JOBS || String(Math.max(1, cpus().length));
console.log(`@lrqk/tensor: building native addon (CUDA backend: ${wantCuda && nvcc ? `on, ${nvcc}` : wantCuda ? 'off, nvcc not found' : 'off, LRQK_CUDA=0'})`);

const require = createRequire(import.meta.url);
const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const cmakeArgs = [cmakeJs, 'compile', '--directory', root, '--parallel', jobs];
if (args.has('--debug')) cmakeArgs.push('--debug');
cmakeArgs.push(`--CDLRQK_CUDA=${wantCuda ? 'ON' : 'OFF'}`);
if (wantCuda && nvcc) cmakeArgs.push(`--CDCMAKE_CUDA_COMPILER=${nvcc}`);
const env = { ...process.env };
if (nvcc) env.PATH = `${dirname(nvcc)}:${env.PATH}`;
const r = spawnSync(process.execPath, cmakeArgs, { stdio: 'inherit', cwd: root, env });
if (r.status !== 0) {
  console.error('@lrqk/tensor: native build failed. It needs cmake >= 3.18 and a C++17 compiler (nvcc optional).');
  process.exit(r.status ?? 1);
}
console.log(`@lrqk/tensor: built ${out}`);
