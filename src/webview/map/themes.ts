/**
 * Map colours. In VS Code they come from the theme's CSS variables (light, dark, high contrast
 * alike); a report or PNG made outside the editor uses the fixed light or dark set below, whose
 * label colours are VS Code's own chart colours.
 */
import type { MapTheme } from './chart-option.js';

// Unquoted: the SVG renderer puts it inside a double-quoted attribute as it is.
const FONT = 'Liberation Sans, Arial, Helvetica, sans-serif';

export const LIGHT: MapTheme = {
  background: '#ffffff',
  foreground: '#1f1f1f',
  muted: '#616161',
  palette: ['#1a85ff', '#e51400', '#388a34', '#652d90', '#d18616', '#bf8803'],
  ring: '#1f1f1f',
  highlight: '#0090f1',
  fontFamily: FONT,
  fontSize: 12,
};

export const DARK: MapTheme = {
  background: '#1f1f1f',
  foreground: '#cccccc',
  muted: '#9d9d9d',
  palette: ['#3794ff', '#f14c4c', '#89d185', '#b180d7', '#d18616', '#cca700'],
  ring: '#ffffff',
  highlight: '#ffd700',
  fontFamily: FONT,
  fontSize: 12,
};

/** The map theme from VS Code's CSS variables on the page, falling back to LIGHT/DARK per colour. */
export function themeFromCss(style: CSSStyleDeclaration, dark: boolean): MapTheme {
  const base = dark ? DARK : LIGHT;
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const charts = ['blue', 'red', 'green', 'purple', 'orange', 'yellow'];
  return {
    background: v('--vscode-editor-background', base.background),
    foreground: v('--vscode-foreground', base.foreground),
    muted: v('--vscode-descriptionForeground', base.muted),
    palette: charts.map((c, i) => v(`--vscode-charts-${c}`, base.palette[i]!)),
    ring: v('--vscode-editor-foreground', base.ring),
    highlight: v('--vscode-focusBorder', base.highlight),
    fontFamily: v('--vscode-font-family', base.fontFamily),
    fontSize: Number.parseFloat(v('--vscode-font-size', String(base.fontSize))) || base.fontSize,
  };
}
