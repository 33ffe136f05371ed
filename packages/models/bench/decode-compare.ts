// One table from the decode benchmark's two JSON files (lrqk: decode.json, HF transformers:
// decode-hf.json), as Markdown so it can go into docs/benchmarks/ as is. Goals of the issue:
// decode ≤ 1.3 × the bandwidth floor; prefill at least as fast as HF at 32K and 128K.
//   node --conditions=source packages/models/bench/decode-compare.ts OUT/decode.json [OUT/decode-hf.json]
import { readFile } from 'node:fs/promises';
import type { DecodeCase, DecodeReport } from './decode-report.ts';

/** JSON nulls (failed cases) back to NaN. */
function revive(r: DecodeReport): DecodeReport {
  return { ...r, cases: r.cases.map((c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v === null ? NaN : v])) as unknown as DecodeCase) };
}

const fix = (v: number | undefined, d: number) => (v !== undefined && Number.isFinite(v) ? v.toFixed(d) : '–');
const gib = (b: number | undefined) => (b !== undefined && Number.isFinite(b) ? (b / 2 ** 30).toFixed(1) : '–');

/** Markdown table comparing lrqk with HF per context (HF columns empty when absent). */
export function formatComparison(ours: DecodeReport, hf: DecodeReport | null): string {
  const lines = [
    `lrqk: ${ours.model}, ${ours.device}, ${ours.dtype}, ${(ours.parameters / 1e9).toFixed(2)} B parameters, ${ours.decodeSteps} decode steps, prefill chunk ${ours.prefillChunkTokens}, ${ours.date}`,
    hf ? `HF: ${hf.implementation}, ${hf.device}` : 'HF: not run',
    `floor = (weights ${(ours.weightBytesPerStep / 1e9).toFixed(2)} GB + KV ${(ours.kvBytesPerToken / 1024).toFixed(0)} KiB/token × positions) / ${(ours.bandwidthBytesPerS / 1e12).toFixed(1)} TB/s; goal: decode ≤ 1.3 × floor, prefill ≥ HF at 32K and 128K`,
    '',
    '| context | prefill tok/s lrqk | prefill tok/s HF | prefill lrqk/HF | decode ms/tok lrqk | decode ms/tok HF | floor ms/tok | lrqk / floor | HF / floor | peak GiB lrqk | peak GiB HF |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of ours.cases) {
    const h = hf?.cases.find((x) => x.contextTokens === c.contextTokens);
    const speed = h && Number.isFinite(c.prefillTokensPerS) && Number.isFinite(h.prefillTokensPerS) ? c.prefillTokensPerS / h.prefillTokensPerS : NaN;
    const note = (x: DecodeCase | undefined, v: string) => (x?.error ? `error: ${x.error}` : v);
    lines.push(
      `| ${c.contextTokens} | ${note(c, fix(c.prefillTokensPerS, 0))} | ${h ? note(h, fix(h.prefillTokensPerS, 0)) : '–'} | ${fix(speed, 2)} | ${fix(c.decodeMsPerToken, 2)} | ${fix(h?.decodeMsPerToken, 2)} | ${fix(c.floorMsPerToken, 2)} | ${fix(c.floorRatio, 2)} | ${fix(h?.floorRatio, 2)} | ${gib(c.peakReservedBytes)} | ${gib(h?.peakReservedBytes)} |`,
    );
  }
  return lines.join('\n');
}

async function readReport(file: string): Promise<DecodeReport> {
  return revive(JSON.parse(await readFile(file, 'utf8')) as DecodeReport);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [oursFile, hfFile] = process.argv.slice(2);
  if (!oursFile) {
    process.stderr.write('usage: decode-compare.ts DECODE_JSON [DECODE_HF_JSON]\n');
    process.exitCode = 2;
  } else {
    const ours = await readReport(oursFile);
    let hf: DecodeReport | null = null;
    if (hfFile) {
      try {
        hf = await readReport(hfFile);
      } catch (e) {
        process.stderr.write(`decode-compare: ${hfFile}: ${(e as Error).message.split('\n')[0]} (HF columns left empty)\n`);
      }
    }
    process.stdout.write(`${formatComparison(ours, hf)}\n`);
  }
}
