// The report feature-detects blasInfo() on the @lrqk/tensor namespace; check both outcomes with a
// namespace copy that adds one.
import * as tensor from '@lrqk/tensor';
import { describe, expect, it } from 'vitest';
import { deviceReport, formatDeviceReport } from '../src/device-report.ts';

describe('device report', () => {
  it('shows blasInfo() when the tensor package exports it', async () => {
    const withBlas = { ...tensor, blasInfo: () => ({ library: 'cuBLASLt', version: 130000, available: true }) };
    const r = await deviceReport(withBlas);
    expect(r.blas).toEqual({ supported: true, info: { library: 'cuBLASLt', version: 130000, available: true } });
    const text = formatDeviceReport(r);
    expect(text).toMatch(/cuBLAS\.library\s+cuBLASLt/);
    expect(text).toMatch(/cuBLAS\.version\s+130000/);
  });

  it('reports a throwing blasInfo() as unavailable', async () => {
    const throwing = {
      ...tensor,
      blasInfo: () => {
        throw new Error('libcublasLt.so.13 not found');
      },
    };
    const r = await deviceReport(throwing);
    expect(r.blas).toEqual({ supported: true, error: 'libcublasLt.so.13 not found' });
    expect(formatDeviceReport(r)).toMatch(/cuBLAS\s+unavailable: libcublasLt\.so\.13 not found/);
  });

  it('says so when blasInfo() is absent', async () => {
    const without = {
      backendInfo: tensor.backendInfo,
      resolveDevice: tensor.resolveDevice,
      memoryStats: tensor.memoryStats,
    };
    const r = await deviceReport(without);
    expect(r.blas).toEqual({ supported: false });
    expect(formatDeviceReport(r)).toContain('no blasInfo()');
  });
});
