/**
 * The panel's charts, drawn by Chart.js (bundled; nothing from a CDN) in the theme's colours:
 * VS Code's chart colour variables (--vscode-charts-*), read again when the theme changes.
 * Charts are kept by key and updated in place, so a redraw does not restart them.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartDataset,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { Point } from './run-view.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, CategoryScale, BarController, BarElement, Legend, Tooltip);

const PALETTE = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'] as const;

interface Theme {
  readonly colors: string[];
  readonly text: string;
  readonly grid: string;
  readonly font: string;
}

function readTheme(): Theme {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    colors: PALETTE.map((c) => v(`--vscode-charts-${c}`, v('--vscode-foreground', '#888'))),
    text: v('--vscode-charts-foreground', v('--vscode-foreground', '#888')),
    grid: v('--vscode-charts-lines', 'rgba(128,128,128,0.3)'),
    font: v('--vscode-font-family', 'sans-serif'),
  };
}

export interface LineSeries {
  readonly label: string;
  readonly points: readonly Point[];
  /** Same colour index = same task; dashed tells validation from training. */
  readonly color: number;
  readonly dashed?: boolean;
}

export class Charts {
  private readonly lines = new Map<string, Chart<'line', { x: number; y: number }[]>>();
  private readonly barCharts = new Map<string, Chart<'bar', number[], string>>();
  private theme = readTheme();
  /** Goes up when the theme changes and every chart must be drawn again. */
  generation = 0;

  /** `redraw` is called after a theme change dropped the charts. */
  constructor(redraw: () => void) {
    // VS Code changes the body's class (vscode-light / vscode-dark / vscode-high-contrast) on a theme switch.
    new MutationObserver(() => {
      this.theme = readTheme();
      for (const c of [...this.lines.values(), ...this.barCharts.values()]) c.destroy();
      this.lines.clear();
      this.barCharts.clear();
      this.generation++;
      redraw();
    }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  /** Draws (or updates) a line chart of `series` over steps on the canvas with this id. */
  line(id: string, series: readonly LineSeries[], y: { title: string; min?: number; max?: number; log?: boolean }): void {
    const canvas = this.canvas(id);
    if (!canvas) return;
    const datasets: ChartDataset<'line', { x: number; y: number }[]>[] = series.map((s) => ({
      label: s.label,
      data: s.points.map(([x, v]) => ({ x, y: v })),
      borderColor: this.theme.colors[s.color % this.theme.colors.length],
      backgroundColor: this.theme.colors[s.color % this.theme.colors.length],
      borderDash: s.dashed ? [6, 4] : [],
      pointRadius: s.points.length > 40 ? 0 : 2,
      borderWidth: 1.5,
      tension: 0.2,
    }));
    const chart = this.lines.get(id);
    if (chart && chart.canvas === canvas) {
      chart.data.datasets = datasets;
      chart.update('none');
      return;
    }
    chart?.destroy();
    this.lines.set(id, new Chart<'line', { x: number; y: number }[]>(canvas, {
      type: 'line',
      data: { datasets },
      options: {
        ...this.common(),
        scales: {
          x: { type: 'linear', title: { display: true, text: 'step', color: this.theme.text }, ticks: { color: this.theme.text }, grid: { color: this.theme.grid } },
          y: {
            type: y.log ? 'logarithmic' : 'linear', min: y.min, max: y.max,
            title: { display: true, text: y.title, color: this.theme.text }, ticks: { color: this.theme.text }, grid: { color: this.theme.grid },
          },
        },
      },
    }));
  }

  /** A bar chart: one bar per label. */
  bars(id: string, labels: readonly string[], values: readonly number[], color: number): void {
    const canvas = this.canvas(id);
    if (!canvas) return;
    const chart = this.barCharts.get(id);
    const dataset = { label: 'rows', data: [...values], backgroundColor: this.theme.colors[color % this.theme.colors.length] };
    if (chart && chart.canvas === canvas) {
      chart.data.labels = [...labels];
      chart.data.datasets = [dataset];
      chart.update('none');
      return;
    }
    chart?.destroy();
    const common = this.common();
    this.barCharts.set(id, new Chart<'bar', number[], string>(canvas, {
      type: 'bar',
      data: { labels: [...labels], datasets: [dataset] },
      options: {
        ...common,
        indexAxis: 'y',
        plugins: { ...common.plugins, legend: { display: false } },
        scales: {
          x: { ticks: { color: this.theme.text, precision: 0 }, grid: { color: this.theme.grid } },
          y: { ticks: { color: this.theme.text }, grid: { display: false } },
        },
      },
    }));
  }

  /** Forgets charts whose canvas left the page. */
  prune(): void {
    for (const map of [this.lines, this.barCharts] as Map<string, Chart<'line' | 'bar', never>>[]) {
      for (const [id, c] of map) {
        if (!c.canvas.isConnected) {
          c.destroy();
          map.delete(id);
        }
      }
    }
  }

  private canvas(id: string): HTMLCanvasElement | undefined {
    const el = document.getElementById(id);
    return el instanceof HTMLCanvasElement ? el : undefined;
  }

  private common() {
    return {
      animation: false as const,
      responsive: true,
      maintainAspectRatio: false,
      font: { family: this.theme.font },
      plugins: {
        legend: { labels: { color: this.theme.text, boxWidth: 12 } },
        tooltip: { enabled: true },
      },
    };
  }
}
