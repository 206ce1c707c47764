/**
 * A line chart as SVG text, for benchmark figures committed beside their tables. Written by hand:
 * the chart libraries on npm draw in a browser (canvas/DOM), and a headless one (vega with its
 * SVG renderer) would add ~10 MB of dev dependencies for two lines on a grid.
 */
export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
  /** A thin line without markers (a spread around another series); an empty name has no legend entry. */
  readonly thin?: boolean;
}

export interface PlotOptions {
  readonly title: string;
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly width?: number;
  readonly height?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Round tick steps (1, 2, 5 × 10^k) giving about `count` ticks over [lo, hi]. */
function ticks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

export function renderPlot(o: PlotOptions): string {
  const [w, h] = [o.width ?? 760, o.height ?? 460];
  const m = { left: 70, right: 20, top: 60, bottom: 90 };
  const all = o.series.flatMap((s) => s.points);
  const [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const ys = all.map((p) => p[1]);
  const [y0, y1] = [Math.floor(Math.min(...ys) * 20) / 20, Math.ceil(Math.max(...ys) * 20) / 20];
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0 || 1)) * (w - m.left - m.right);
  const sy = (y: number) => h - m.bottom - ((y - y0) / (y1 - y0 || 1)) * (h - m.top - m.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(o.title)}</text>`,
  ];
  if (o.subtitle) parts.push(`<text x="${w / 2}" y="42" text-anchor="middle" fill="#555">${esc(o.subtitle)}</text>`);
  for (const t of ticks(y0, y1, 6)) {
    parts.push(`<line x1="${m.left}" x2="${w - m.right}" y1="${sy(t)}" y2="${sy(t)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.left - 8}" y="${sy(t) + 4}" text-anchor="end">${(t * 100).toFixed(0)}%</text>`);
  }
  for (const t of ticks(x0, x1, 8)) {
    parts.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${m.top}" y2="${h - m.bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${sx(t)}" y="${h - m.bottom + 18}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${w - m.left - m.right}" height="${h - m.top - m.bottom}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${(m.left + w - m.right) / 2}" y="${h - m.bottom + 40}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(18 ${(m.top + h - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  // Thin (spread) lines first, so the main lines are drawn over them.
  for (const s of o.series.filter((x) => x.thin)) {
    const d = s.points.map((p, k) => `${k ? 'L' : 'M'}${sx(p[0]).toFixed(1)} ${sy(p[1]).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1"/>`);
  }
  const legend = o.series.filter((s) => s.name);
  o.series.filter((x) => !x.thin).forEach((s) => {
    const d = s.points.map((p, k) => `${k ? 'L' : 'M'}${sx(p[0]).toFixed(1)} ${sy(p[1]).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`);
    if (s.points.length <= 60) for (const p of s.points) parts.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
  });
  // Legend entries one after another, each as wide as its name (about 6.3 px a character at 12 px).
  let lx = m.left;
  legend.forEach((s) => {
    const ly = h - 28;
    parts.push(`<line x1="${lx}" x2="${lx + 28}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="3"/>`);
    parts.push(`<text x="${lx + 34}" y="${ly + 4}">${esc(s.name)}</text>`);
    lx += 34 + s.name.length * 6.3 + 16;
  });
  parts.push('</svg>');
  return parts.join('\n');
}
