/**
 * A sentence map as a still picture without a browser: ECharts' server-side SVG renderer draws
 * the same chart option as the webview, and resvg (a maintained Rust rasterizer shipped as an
 * npm binary) turns the SVG into a PNG.
 */
import { ScatterChart } from 'echarts/charts';
import { GraphicComponent, GridComponent, LegendComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { SentenceMapData } from '../../engine/map/map-data.js';
import { type MapTheme, mapChartOption } from '../../webview/map/chart-option.js';

echarts.use([ScatterChart, GridComponent, LegendComponent, GraphicComponent, SVGRenderer]);

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

export function renderMapSvg(data: SentenceMapData, task: string, theme: MapTheme, size: ImageSize): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height });
  try {
    chart.setOption(mapChartOption(data, { task, still: true }, theme).option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export async function svgToPng(svg: string, size: ImageSize, fontFamily: string): Promise<Buffer> {
  // Loaded on demand: only PNG output needs the native rasterizer.
  const { Resvg } = await import('@resvg/resvg-js');
  const png = new Resvg(svg, { fitTo: { mode: 'width', value: size.width }, font: { loadSystemFonts: true, defaultFontFamily: fontFamily } }).render().asPng();
  return Buffer.from(png);
}
