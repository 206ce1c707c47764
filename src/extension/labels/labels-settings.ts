/**
 * The labels settings (`sentenceLens.labelsFile`, `labelsMixTrainingData`, `labelsWeight`) and
 * where the files go. Pure: takes any `get(key)` source, so tests need no vscode.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { LabelsHeadsParams } from '../../protocol.js';

export const DEFAULT_LABELS_FILE = '.sentence-lens/labels.csv';
/** The retrained heads (a derived, heads-only checkpoint): regenerated from the labels file. */
export const LABELS_HEADS_DIR = '.sentence-lens/labels-heads';
export const DEFAULT_LABELS_WEIGHT = 5;
/** The defaults, by setting key (package.json declares the same; test/unit/package-json.test.ts checks). */
export const LABELS_DEFAULTS = { labelsFile: DEFAULT_LABELS_FILE, labelsMixTrainingData: true, labelsWeight: DEFAULT_LABELS_WEIGHT } as const;
/** Bounds of `labelsWeight`. */
export const LABELS_WEIGHT_RANGE = { min: 1, max: 100 } as const;
/** Corrections within this long of each other retrain once. */
export const RETRAIN_DEBOUNCE_MS = 150;

export interface LabelsSettings {
  readonly labelsFile: string;
  readonly mixTrainingData: boolean;
  readonly userWeight: number;
}

export function readLabelsSettings(cfg: { get<T>(key: string): T | undefined }, warn: (m: string) => void = () => undefined): LabelsSettings {
  const file = cfg.get<unknown>('labelsFile');
  const mix = cfg.get<unknown>('labelsMixTrainingData');
  const weight = cfg.get<unknown>('labelsWeight');
  const bad = (key: string, v: unknown, want: string) => warn(`setting sentenceLens.${key} is ${JSON.stringify(v)}; expected ${want}. Using the default.`);
  let labelsFile = DEFAULT_LABELS_FILE;
  if (file !== undefined && file !== null && file !== '') {
    if (typeof file === 'string' && file.trim()) labelsFile = file.trim();
    else bad('labelsFile', file, 'a path to a .csv file');
  }
  let mixTrainingData: boolean = LABELS_DEFAULTS.labelsMixTrainingData;
  if (mix !== undefined && mix !== null) {
    if (typeof mix === 'boolean') mixTrainingData = mix;
    else bad('labelsMixTrainingData', mix, 'true or false');
  }
  let userWeight = DEFAULT_LABELS_WEIGHT;
  if (weight !== undefined && weight !== null) {
    const { min, max } = LABELS_WEIGHT_RANGE;
    if (typeof weight === 'number' && Number.isFinite(weight) && weight >= min && weight <= max) userWeight = weight;
    else bad('labelsWeight', weight, `a number from ${min} to ${max}`);
  }
  return { labelsFile, mixTrainingData, userWeight };
}

/** The server's labels parameters for a workspace folder (a relative labels path is inside it). */
export function labelsParams(s: LabelsSettings, workspaceFolder: string): LabelsHeadsParams {
  return {
    labelsFile: isAbsolute(s.labelsFile) ? s.labelsFile : resolve(workspaceFolder, s.labelsFile),
    headsDir: join(workspaceFolder, LABELS_HEADS_DIR),
    mixTrainingData: s.mixTrainingData,
    userWeight: s.userWeight,
  };
}
