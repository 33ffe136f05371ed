// Spawns the CLI from source, as `pnpm demo` does, and checks its output and exit codes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');

function lrqk(args: string[], env: Record<string, string | undefined> = {}) {
  const r = spawnSync(process.execPath, ['--conditions=source', 'src/main.ts', ...args], {
    cwd: pkgDir,
    encoding: 'utf8',
    env: { ...process.env, LRQK_DEBUG: undefined, ...env },
    timeout: 110_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('lrqk inspect gpu', () => {
  it('--json reports the backend, memory and what was tried', () => {
    const r = lrqk(['inspect', 'gpu', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report: unknown = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      autoDevice: expect.stringMatching(/^(cpu|cuda)$/),
      backend: {
        compiled: expect.any(Boolean),
        available: expect.any(Boolean),
        deviceCount: expect.any(Number),
        name: expect.any(String),
        computeCapability: expect.stringMatching(/^\d+\.\d+$/),
        smCount: expect.any(Number),
        driverVersion: expect.any(Number),
        runtimeVersion: expect.any(Number),
        totalBytes: expect.any(Number),
        tried: expect.any(Array),
        defaultDevice: expect.stringMatching(/^(cpu|cuda)$/),
      },
      override: { value: null, overrides: false },
      memory: { allocatedBytes: expect.any(Number), reservedBytes: expect.any(Number), freeBytes: expect.any(Number) },
      blas: { supported: expect.any(Boolean) },
    });
    const { backend } = report as { backend: { available: boolean; tried: unknown[]; smCount: number; name: string } };
    for (const t of backend.tried) expect(typeof t).toBe('string');
    if (backend.available) {
      expect(backend.smCount).toBeGreaterThan(0);
      expect(backend.name).not.toBe('');
    } else {
      // Without CUDA the report must say why.
      expect(backend.tried.length).toBeGreaterThan(0);
    }
  });

  it('text report names the backend and the LRQK_DEVICE override', () => {
    const r = lrqk(['inspect', 'gpu'], { LRQK_DEVICE: 'cpu' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('device report');
    expect(r.stdout).toMatch(/backend\s+(cpu|cuda) \(/);
    expect(r.stdout).toMatch(/LRQK_DEVICE\s+cpu \(/);
    expect(r.stdout).toMatch(/default device\s+cpu/);
  });

  it('LRQK_DEVICE in the JSON report', () => {
    const r = lrqk(['inspect', 'gpu', '--json'], { LRQK_DEVICE: 'cpu' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ autoDevice: 'cpu', override: { value: 'cpu' } });
  });
});

// `lrqk demo` (the long-context demo on the embedded model) is tested in demo.test.ts.

describe('lrqk basics', () => {
  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
    const r = lrqk(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('an unknown command exits 1', () => {
    const r = lrqk(['no-such-command']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown command 'no-such-command'");
  });

  it('failures are one line without a stack, and the stack with LRQK_DEBUG=1', () => {
    const missing = join(pkgDir, 'no-such-addon.node');
    const r = lrqk(['inspect', 'gpu'], { LRQK_TENSOR_ADDON: missing });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^lrqk: .*native addon not found/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const d = lrqk(['inspect', 'gpu'], { LRQK_TENSOR_ADDON: missing, LRQK_DEBUG: '1' });
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/\n\s+at /);
  });
});
