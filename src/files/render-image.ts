import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ImageSpec } from './image-spec.ts';

/**
 * Vega can load data and images from URLs; a model's spec must never make the server fetch
 * anything (the image spec only has inline data, and this loader refuses every load as well).
 */
const refusingLoader = Object.assign(vega.loader(), {
  load: () => Promise.reject(new Error('a chart may not load anything')),
  sanitize: () => Promise.reject(new Error('a chart may not load anything')),
});

/**
 * Renders an image spec to PNG: the Vega-Lite chart compiles to Vega, Vega draws it as SVG
 * (headless, no canvas), and resvg rasterizes the SVG. `autosize: fit` with `contains: padding`
 * makes the whole picture, axes and legend included, exactly `width` × `height` pixels.
 */
export async function renderImage(spec: ImageSpec): Promise<Buffer> {
  const topLevel = {
    ...spec.chart,
    width: spec.width,
    height: spec.height,
    background: spec.background,
    autosize: { type: 'fit', contains: 'padding' },
    config: { font: 'DejaVu Sans, Liberation Sans, Arial, sans-serif' },
  } as TopLevelSpec;
  const { spec: compiled } = compile(topLevel);
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: refusingLoader });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, {
      fitTo: { mode: 'width', value: spec.width },
      background: spec.background,
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    }).render();
    return png.asPng();
  } finally {
    view.finalize();
  }
}
