// `lrqk inspect gpu [--json]`: which backend @lrqk/tensor found, the GPU's properties, device
// memory, cuBLAS (when reported), what was tried when CUDA is unavailable, and LRQK_DEVICE.
import { Command } from '@commander-js/extra-typings';
import { deviceReport, formatDeviceReport } from '../device-report.ts';
import { loadTensor } from '../tensor.ts';

export function inspectCommand(): Command {
  const inspect = new Command('inspect').description('inspect the runtime environment');
  inspect
    .command('gpu')
    .description('report the tensor backend: CUDA device, versions, memory, cuBLAS, and why CUDA is not used')
    .option('--json', 'print the report as JSON')
    .action(async (opts) => {
      const report = await deviceReport(await loadTensor());
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDeviceReport(report)}\n`);
    });
  return inspect;
}
