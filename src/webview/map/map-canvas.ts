/**
 * The interactive map in a browser (the webview and the HTML report): an ECharts canvas drawing
 * mapChartOption, with wheel zoom and drag pan, hover details, click, rectangle and lasso
 * selection. Points are drawn, never made DOM nodes, so 10,000 stay light; the count is on the
 * element (data-points, aria-label) for tests and screen readers.
 */
import { ScatterChart } from 'echarts/charts';
import { BrushComponent, DataZoomComponent, GraphicComponent, GridComponent, LegendComponent, ToolboxComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { probabilities, type SentenceMapData } from '../../engine/map/map-data.js';
import { type MapTheme, type MapView, mapChartOption } from './chart-option.js';

echarts.use([ScatterChart, GridComponent, LegendComponent, GraphicComponent, DataZoomComponent, BrushComponent, ToolboxComponent, TooltipComponent, CanvasRenderer]);

export type SelectTool = 'pan' | 'rect' | 'lasso';

export interface MapCanvasEvents {
  readonly onClick?: (point: number) => void;
  readonly onSelect?: (points: number[]) => void;
}

export class MapCanvas {
  private readonly chart: echarts.ECharts;
  private seriesPoints: readonly (readonly number[])[] = [];
  private view: MapView;
  private readonly resize = new ResizeObserver(() => this.chart.resize());

  constructor(
    private readonly el: HTMLElement,
    private data: SentenceMapData,
    view: MapView,
    private theme: MapTheme,
    events: MapCanvasEvents = {},
  ) {
    this.view = view;
    this.chart = echarts.init(el, null, { renderer: 'canvas' });
    this.chart.on('click', (p) => {
      const point = this.pointOf(p.seriesIndex, p.dataIndex);
      if (point !== undefined) events.onClick?.(point);
    });
    this.chart.on('brushSelected', (e) => {
      const batch = (e as { batch?: { selected: { seriesIndex: number; dataIndex: number[] }[] }[] }).batch ?? [];
      const points = new Set<number>();
      for (const s of batch[0]?.selected ?? []) for (const d of s.dataIndex) points.add(this.pointOf(s.seriesIndex, d) ?? -1);
      points.delete(-1);
      events.onSelect?.([...points].sort((a, b) => a - b));
    });
    this.draw(true);
    this.resize.observe(el);
  }

  /** `keepView`: the data has the same points where they were (new colours): keep zoom and pan. */
  update(change: { data?: SentenceMapData; view?: Partial<MapView>; theme?: MapTheme; keepView?: boolean }): void {
    if (change.data) this.data = change.data;
    if (change.theme) this.theme = change.theme;
    this.view = { ...this.view, ...change.view };
    this.draw(change.data !== undefined && !change.keepView);
  }

  /** Rectangle or lasso selection, or back to dragging to pan. */
  setTool(tool: SelectTool): void {
    if (tool === 'pan') this.chart.dispatchAction({ type: 'takeGlobalCursor', key: 'brush', brushOption: { brushType: false } });
    else this.chart.dispatchAction({ type: 'takeGlobalCursor', key: 'brush', brushOption: { brushType: tool === 'rect' ? 'rect' : 'polygon', brushMode: 'single' } });
  }

  clearSelection(): void {
    this.chart.dispatchAction({ type: 'brush', areas: [] });
  }

  /** Where point i is drawn, in CSS pixels from the element's top-left corner. */
  pixelOf(point: number): { x: number; y: number } {
    const [x, y] = this.chart.convertToPixel({ xAxisIndex: 0, yAxisIndex: 0 }, [this.data.xy[2 * point]!, this.data.xy[2 * point + 1]!]) as number[];
    return { x: x!, y: y! };
  }

  dispose(): void {
    this.resize.disconnect();
    this.chart.dispose();
  }

  private draw(fresh: boolean): void {
    const { option, seriesPoints } = mapChartOption(this.data, this.view, this.theme);
    this.seriesPoints = seriesPoints;
    const tooltip = {
      trigger: 'item',
      renderMode: 'richText', // drawn on the canvas: no HTML, so nothing for the CSP to refuse
      confine: true,
      backgroundColor: this.theme.background,
      borderColor: this.theme.muted,
      textStyle: { color: this.theme.foreground, fontFamily: this.theme.fontFamily, fontSize: this.theme.fontSize },
      formatter: (p: { seriesIndex: number; dataIndex: number }) => {
        const point = this.pointOf(p.seriesIndex, p.dataIndex);
        return point === undefined ? '' : describePoint(this.data, point);
      },
    };
    // Keep zoom, legend choices and brush across redraws; replace only the series.
    this.chart.setOption({ ...option, tooltip }, fresh ? { notMerge: true } : { replaceMerge: ['series', 'graphic'] });
    const count = this.data.texts.length;
    this.el.dataset['points'] = String(count);
    // The colours drawn with, so a test can tell the map followed a theme change.
    this.el.dataset['background'] = this.theme.background;
    this.el.setAttribute('role', 'img');
    this.el.setAttribute('aria-label', `Sentence map: ${count} ${count === 1 ? 'point' : 'points'}, coloured by ${this.view.task}`);
  }

  private pointOf(seriesIndex: number | undefined, dataIndex: number | undefined): number | undefined {
    if (seriesIndex === undefined || dataIndex === undefined) return undefined;
    return this.seriesPoints[seriesIndex]?.[dataIndex];
  }
}

/** The hover text: the sentence (wrapped), where it is, and each task's probabilities. */
export function describePoint(data: SentenceMapData, point: number): string {
  const lines = wrap(data.texts[point]!, 72);
  if (data.lines) lines.push(`line ${data.lines[point]}`);
  for (const t of data.tasks) {
    const probs = probabilities(data, t.name, point).sort((a, b) => b.p - a.p);
    const gold = data.values[t.name]?.gold?.[point] ?? -1;
    const goldNote = gold >= 0 ? ` (labelled ${t.labels[gold]})` : '';
    lines.push(`${t.name}: ${probs.map((x) => `${x.label} ${Math.round(x.p * 100)}%`).join(' · ')}${goldNote}`);
  }
  return lines.join('\n');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.length > 6 ? [...out.slice(0, 6), '…'] : out;
}
