/**
 * Typed `sentenceLens.*` settings. Parsing takes any `get(key)` source (VS Code's
 * WorkspaceConfiguration in the extension, a plain object in tests), so this module imports
 * nothing from vscode. Bad values fall back to the default and are reported through `warn`.
 */
import { SentenceLensError } from '../engine/errors.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_LENGTH, DEVICE_SETTINGS, POOLING_DESCRIPTIONS, POOLINGS, PRECISION_SETTINGS } from '../engine/choices.js';
import type { DeviceSetting, LoadModelParams, Pooling, PrecisionSetting } from '../protocol.js';
import type { ProseOptions } from '../text/prose/languages.js';
import { DEFAULT_DECORATION_FORMAT } from './decoration-format.js';

export const SECTION = 'sentenceLens';
/** The small model trained offline on the bundled data, shipped in the extension's models/offline. */
export const OFFLINE_MODEL = '${extensionPath}/models/offline';

export interface Settings {
  /** Hub id or folder; may hold ${extensionPath}, ${workspaceFolder}, ~. */
  readonly model: string;
  readonly device: DeviceSetting;
  readonly precision: PrecisionSetting;
  /** 'auto': the pooling the heads were trained with. */
  readonly pooling: Pooling | 'auto';
  readonly maxLength: number;
  readonly batchSize: number;
  readonly autoAnnotate: boolean;
  readonly autoAnnotateLanguages: readonly string[];
  readonly decorationFormat: string;
  readonly minConfidence: number;
  /** A checkpoint folder that overrides `model` when set. */
  readonly activeCheckpoint: string;
  /** Where training runs are saved: relative to the first workspace folder, or absolute. */
  readonly runsFolder: string;
  /** Markdown headings are classified as sentences. */
  readonly annotateHeadings: boolean;
  /** Comments in source code are classified (other code never is). */
  readonly annotateComments: boolean;
  /** A sentence with at least this share of words unknown to the model's vocabulary is labelled `?`. */
  readonly unknownVocabularyThreshold: number;
}

/** The pooling setting: the engine's poolings, or `auto` (what the heads were trained with). */
export const POOLING_SETTINGS = ['auto', ...POOLINGS] as const;
export const POOLING_SETTING_DESCRIPTIONS: Readonly<Record<Settings['pooling'], string>> = {
  auto: 'The pooling the task heads were trained with (mean if unknown)',
  ...POOLING_DESCRIPTIONS,
};

/** Accepted ranges of the whole-number settings. */
export const INT_RANGES = { maxLength: { min: 2, max: 8192 }, batchSize: { min: 1, max: 1024 } } as const;

export const DEFAULTS: Settings = {
  model: OFFLINE_MODEL,
  device: 'auto',
  precision: 'fp32',
  pooling: 'auto',
  maxLength: DEFAULT_MAX_LENGTH,
  batchSize: DEFAULT_BATCH_SIZE,
  autoAnnotate: false,
  autoAnnotateLanguages: ['markdown', 'plaintext'],
  decorationFormat: DEFAULT_DECORATION_FORMAT,
  minConfidence: 0,
  activeCheckpoint: '',
  runsFolder: '.sentence-lens/runs',
  annotateHeadings: false,
  annotateComments: false,
  unknownVocabularyThreshold: 0.5,
};

/** Settings whose change means the model must be reloaded. */
export const MODEL_KEYS = ['model', 'device', 'precision', 'pooling', 'maxLength', 'batchSize', 'activeCheckpoint'] as const;

export interface ConfigSource {
  get<T>(key: string): T | undefined;
}

/** What counts as prose, from the settings. */
export function proseOptions(s: Settings): ProseOptions {
  return { headings: s.annotateHeadings, comments: s.annotateComments };
}

export function readSettings(cfg: ConfigSource, warn: (message: string) => void = () => {}): Settings {
  const bad = (key: keyof Settings, value: unknown, expected: string): void =>
    warn(`setting ${SECTION}.${key} = ${JSON.stringify(value)} is not ${expected}; using ${JSON.stringify(DEFAULTS[key])}`);
  const str = (key: 'model' | 'decorationFormat' | 'activeCheckpoint' | 'runsFolder', allowEmpty: boolean): string => {
    const v = cfg.get<unknown>(key);
    if (v === undefined || v === null) return DEFAULTS[key];
    if (typeof v !== 'string' || (!allowEmpty && !v.trim())) {
      bad(key, v, allowEmpty ? 'a string' : 'a non-empty string');
      return DEFAULTS[key];
    }
    return v.trim();
  };
  const oneOf = <K extends 'device' | 'precision' | 'pooling'>(key: K, options: readonly Settings[K][]): Settings[K] => {
    const v = cfg.get<unknown>(key);
    if (v === undefined || v === null) return DEFAULTS[key];
    if (!(options as readonly unknown[]).includes(v)) {
      bad(key, v, `one of ${options.join(', ')}`);
      return DEFAULTS[key];
    }
    return v as Settings[K];
  };
  const int = (key: keyof typeof INT_RANGES): number => {
    const { min, max } = INT_RANGES[key];
    const v = cfg.get<unknown>(key);
    if (v === undefined || v === null) return DEFAULTS[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      bad(key, v, `a whole number from ${min} to ${max}`);
      return DEFAULTS[key];
    }
    return v;
  };
  const langs = cfg.get<unknown>('autoAnnotateLanguages');
  let languages = DEFAULTS.autoAnnotateLanguages;
  if (langs !== undefined && langs !== null) {
    if (Array.isArray(langs) && langs.every((l) => typeof l === 'string')) languages = langs;
    else bad('autoAnnotateLanguages', langs, 'a list of language ids');
  }
  const bool = (key: 'autoAnnotate' | 'annotateHeadings' | 'annotateComments'): boolean => {
    const v = cfg.get<unknown>(key);
    if (v === undefined || v === null) return DEFAULTS[key];
    if (typeof v === 'boolean') return v;
    bad(key, v, 'true or false');
    return DEFAULTS[key];
  };
  const share = (key: 'minConfidence' | 'unknownVocabularyThreshold'): number => {
    const v = cfg.get<unknown>(key);
    if (v === undefined || v === null) return DEFAULTS[key];
    if (typeof v === 'number' && v >= 0 && v <= 1) return v;
    bad(key, v, 'a number from 0 to 1');
    return DEFAULTS[key];
  };
  return {
    model: str('model', false),
    device: oneOf('device', DEVICE_SETTINGS),
    precision: oneOf('precision', PRECISION_SETTINGS),
    pooling: oneOf('pooling', POOLING_SETTINGS),
    maxLength: int('maxLength'),
    batchSize: int('batchSize'),
    autoAnnotate: bool('autoAnnotate'),
    autoAnnotateLanguages: languages,
    decorationFormat: str('decorationFormat', false),
    minConfidence: share('minConfidence'),
    activeCheckpoint: str('activeCheckpoint', true),
    runsFolder: str('runsFolder', false),
    annotateHeadings: bool('annotateHeadings'),
    annotateComments: bool('annotateComments'),
    unknownVocabularyThreshold: share('unknownVocabularyThreshold'),
  };
}

export interface PathContext {
  readonly extensionPath: string;
  readonly workspaceFolder?: string;
  readonly home: string;
}

/** Expands ${extensionPath}, ${workspaceFolder} and a leading ~ in a model setting; hub ids pass through. */
export function expandModelPath(value: string, ctx: PathContext): string {
  let v = value.replace(/\$\{extensionPath\}/g, ctx.extensionPath);
  if (v.includes('${workspaceFolder}')) {
    if (!ctx.workspaceFolder) throw new SentenceLensError('BAD_CONFIG', `"${value}" uses \${workspaceFolder} but no folder is open`);
    v = v.replace(/\$\{workspaceFolder\}/g, ctx.workspaceFolder);
  }
  if (v === '~' || v.startsWith('~/')) v = ctx.home + v.slice(1);
  return v;
}

export interface ModelChoice {
  /** What to load: expanded folder or hub id. */
  readonly model: string;
  /** Shown to the user. */
  readonly label: string;
  readonly isOffline: boolean;
  readonly isCheckpoint: boolean;
}

export function modelChoice(s: Settings, ctx: PathContext): ModelChoice {
  if (s.activeCheckpoint) {
    const model = expandModelPath(s.activeCheckpoint, ctx);
    return { model, label: `checkpoint ${basename(model)}`, isOffline: false, isCheckpoint: true };
  }
  const model = expandModelPath(s.model, ctx);
  const isOffline = model === expandModelPath(OFFLINE_MODEL, ctx);
  return { model, label: isOffline ? 'offline model (small)' : model.includes('/') && !model.startsWith('/') && model.split('/').length === 2 ? model : basename(model), isOffline, isCheckpoint: false };
}

export function loadParams(s: Settings, choice: ModelChoice): LoadModelParams {
  return {
    model: choice.model,
    device: s.device,
    ...(s.precision === 'fp32' ? {} : { precision: s.precision }),
    ...(s.pooling === 'auto' ? {} : { pooling: s.pooling }),
    maxLength: s.maxLength,
    batchSize: s.batchSize,
  };
}

function basename(p: string): string {
  return p.replace(/[\\/]+$/, '').split(/[\\/]/).at(-1) || p;
}
