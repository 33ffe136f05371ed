// Plots without a browser: a Vega-Lite spec compiled to Vega, rendered headless to SVG
// (renderer 'none', toSVG), then rasterized to PNG by resvg with DejaVu Sans (or the system's
// sans-serif when that file is absent). vega, vega-lite and resvg load on first use, so runs
// without plots work where they are not installed (e.g. a bare GPU machine).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { TopLevelSpec } from 'vega-lite';

const DEJAVU = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const FONT = 'DejaVu Sans';

/** Renders a Vega-Lite spec to SVG text. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const vgSpec = compile({ ...spec, config: { font: FONT, ...(spec.config ?? {}) } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterizes SVG text to PNG bytes at `scale`× on a white background. */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: true, ...(existsSync(DEJAVU) ? { fontFiles: [DEJAVU] } : {}), defaultFontFamily: FONT, sansSerifFamily: FONT },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
  });
  return resvg.render().asPng();
}

/** Writes `${base}.svg` and `${base}.png`; returns both paths. */
export async function writePlot(spec: TopLevelSpec, base: string): Promise<{ svg: string; png: string }> {
  const svg = await renderSvg(spec);
  await writeFile(`${base}.svg`, svg);
  await writeFile(`${base}.png`, await svgToPng(svg));
  return { svg: `${base}.svg`, png: `${base}.png` };
}

/** "4K" for 4096, "512" for 512 (axis labels of token lengths). */
const LENGTH_LABEL = "datum.value >= 1024 && datum.value % 1024 == 0 ? (datum.value / 1024) + 'K' : format(datum.value, 'd')";

/** $schema, title and size shared by the single-chart line specs. */
function chartFrame(title: string) {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, width: 480, height: 300 } as const;
}

/** A metric against length, one line per method (log-2 length axis labelled at the lengths run). */
export function metricVsLengthSpec(
  rows: readonly { method: string; length: number; value: number }[],
  title: string,
  yTitle: string,
  yDomain?: readonly [number, number],
): TopLevelSpec {
  const lengths = [...new Set(rows.map((r) => r.length))].sort((a, b) => a - b);
  return {
    ...chartFrame(title),
    data: { values: rows.map((r) => ({ ...r })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'length',
        type: 'quantitative',
        title: 'length (tokens)',
        scale: { type: 'log', base: 2, domain: lengths.length > 1 ? [lengths[0] as number, lengths.at(-1) as number] : undefined },
        axis: { values: lengths, labelExpr: LENGTH_LABEL },
      },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: yDomain ? { domain: [...yDomain] } : { zero: false } },
      color: { field: 'method', type: 'nominal', title: 'attention', legend: { labelLimit: 400 } },
    },
  } as TopLevelSpec;
}

/** Accuracy (mean over tasks, 0–100) against length, one line per method. */
export function accuracyVsLengthSpec(rows: readonly { method: string; length: number; score: number }[], title: string): TopLevelSpec {
  return metricVsLengthSpec(
    rows.map((r) => ({ method: r.method, length: r.length, value: r.score })),
    title,
    'accuracy (%)',
    [0, 100],
  );
}

/** Accuracy against length for each task (one small chart per task), one line per method. */
export function accuracyByTaskSpec(rows: readonly { method: string; length: number; task: string; score: number }[], title: string): TopLevelSpec {
  const lengths = [...new Set(rows.map((r) => r.length))].sort((a, b) => a - b);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: rows.map((r) => ({ ...r })) },
    facet: { field: 'task', type: 'nominal', title: null, sort: [...new Set(rows.map((r) => r.task))] },
    columns: 4,
    spec: {
      width: 200,
      height: 140,
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'length',
          type: 'quantitative',
          title: 'length (tokens)',
          scale: { type: 'log', base: 2, domain: lengths.length > 1 ? [lengths[0] as number, lengths.at(-1) as number] : undefined },
          axis: { values: lengths, labelExpr: LENGTH_LABEL },
        },
        y: { field: 'score', type: 'quantitative', title: 'accuracy (%)', scale: { domain: [0, 100] } },
        color: { field: 'method', type: 'nominal', title: 'attention', legend: { labelLimit: 400 } },
      },
    },
  } as TopLevelSpec;
}

/** A per-layer line chart (0–1): colour by method, dash by metric when there are several. */
export function perLayerSpec(rows: readonly { layer: number; value: number; method: string; metric: string }[], title: string, yTitle: string): TopLevelSpec {
  const metrics = new Set(rows.map((r) => r.metric));
  return {
    ...chartFrame(title),
    data: { values: rows.map((r) => ({ ...r })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'layer', type: 'quantitative', title: 'layer', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: { domain: [0, 1] } },
      color: { field: 'method', type: 'nominal', title: 'attention', legend: { labelLimit: 400 } },
      ...(metrics.size > 1 ? { strokeDash: { field: 'metric', type: 'nominal', title: 'metric', legend: { labelLimit: 400, symbolType: 'stroke' } } } : {}),
    },
  } as TopLevelSpec;
}

/** Hit rate against decode step, one line per method and length. */
export function perStepSpec(rows: readonly { step: number; value: number; method: string; length: number }[], title: string): TopLevelSpec {
  return {
    ...chartFrame(title),
    data: { values: rows.map((r) => ({ ...r, series: `${r.method} @${r.length}` })) },
    mark: { type: 'line' },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'decode step', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: 'hit rate', scale: { domain: [0, 1] } },
      color: { field: 'series', type: 'nominal', title: 'attention @ length', legend: { labelLimit: 400 } },
    },
  } as TopLevelSpec;
}
