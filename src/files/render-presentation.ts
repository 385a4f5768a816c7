import pptxgenjs from 'pptxgenjs';
import type { TableSpec } from './document-spec.ts';
import type { ChartSpec, PresentationSpec, SlideSpec } from './presentation-spec.ts';

// The package's types describe a CommonJS module whose `default` is the class; Node loads its ESM
// build, whose default export is the class itself.
const PptxGenJS = pptxgenjs as unknown as typeof pptxgenjs.default;
type Pptx = InstanceType<typeof PptxGenJS>;
type Slide = ReturnType<Pptx['addSlide']>;
type TableRow = Parameters<Slide['addTable']>[0];

/** 16:9 at 10 × 5.625 inches, pptxgenjs's default layout. */
const SLIDE_WIDTH_IN = 10;

/**
 * Renders a presentation spec to .pptx with pptxgenjs: a title slide, then one slide per spec
 * slide with its title, bullets, speaker notes, and a table or a native chart (editable in
 * PowerPoint and Impress, not a picture). Content that shares a slide with bullets sits below them.
 */
export async function renderPresentation(spec: PresentationSpec): Promise<Buffer> {
  const pptx = new PptxGenJS();
  pptx.layout = 'LAYOUT_16x9';
  pptx.title = spec.title;
  pptx.author = 'Agent Runs';

  const cover = pptx.addSlide();
  cover.addText(spec.title, {
    x: 0.5,
    y: 1.8,
    w: SLIDE_WIDTH_IN - 1,
    h: 1.2,
    fontSize: 36,
    bold: true,
    align: 'center',
  });
  if (spec.subtitle)
    cover.addText(spec.subtitle, {
      x: 0.5,
      y: 3.1,
      w: SLIDE_WIDTH_IN - 1,
      h: 0.8,
      fontSize: 20,
      align: 'center',
    });

  for (const slide of spec.slides) addSlide(pptx, slide);
  const bytes = await pptx.write({ outputType: 'nodebuffer' });
  return Buffer.from(bytes as Uint8Array);
}

function addSlide(pptx: Pptx, spec: SlideSpec): void {
  const slide = pptx.addSlide();
  slide.addText(spec.title, { x: 0.5, y: 0.3, w: SLIDE_WIDTH_IN - 1, h: 0.8, fontSize: 28, bold: true });
  let top = 1.2;
  const hasVisual = spec.table !== undefined || spec.chart !== undefined;
  if (spec.bullets.length > 0) {
    const height = hasVisual ? Math.min(1.6, 0.4 * spec.bullets.length) : 4;
    slide.addText(
      spec.bullets.map((text) => ({ text, options: { bullet: true, breakLine: true } })),
      { x: 0.5, y: top, w: SLIDE_WIDTH_IN - 1, h: height, fontSize: 18, valign: 'top' },
    );
    top += height + 0.1;
  }
  const area = { x: 0.5, y: top, w: SLIDE_WIDTH_IN - 1, h: Math.max(1, 5.3 - top) };
  if (spec.table)
    slide.addTable(tableRows(spec.table), {
      ...area,
      fontSize: 12,
      border: { type: 'solid', pt: 0.5, color: '999999' },
    });
  else if (spec.chart) addChart(slide, spec.chart, area);
  if (spec.notes) slide.addNotes(spec.notes);
}

function tableRows(table: TableSpec): TableRow {
  return [
    table.columns.map((text) => ({ text, options: { bold: true, fill: { color: 'EEEEEE' } } })),
    ...table.rows.map((row) => table.columns.map((_, i) => ({ text: String(row[i] ?? '') }))),
  ];
}

function addChart(
  slide: Slide,
  chart: ChartSpec,
  area: { x: number; y: number; w: number; h: number },
): void {
  const data = chart.series.map((series) => ({
    name: series.name,
    labels: chart.labels,
    values: series.values,
  }));
  slide.addChart(chart.type, data, { ...area, showLegend: chart.series.length > 1 || chart.type === 'pie' });
}
