/**
 * Typed `sentenceLens.*` settings. Parsing takes any `get(key)` source (VS Code's
 * WorkspaceConfiguration in the extension, a plain object in tests), so this module imports
 * nothing from vscode. Bad values fall back to the default and are reported through `warn`.
 */
import { SentenceLensError } from '../engine/errors.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_LENGTH, DEVICE_SETTINGS, POOLING_DESCRIPTIONS, POOLINGS } from '../engine/choices.js';
import type { DeviceSetting, LoadModelParams, Pooling } from '../protocol.js';
import { DEFAULT_DECORATION_FORMAT } from './decoration-format.js';

export const SECTION = 'sentenceLens';
/** The small model trained offline on the bundled data, shipped in the extension's models/offline. */
export const OFFLINE_MODEL = '${extensionPath}/models/offline';

export interface Settings {
  /** Hub id or folder; may hold ${extensionPath}, ${workspaceFolder}, ~. */
  readonly model: string;
  readonly device: DeviceSetting;
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
  pooling: 'auto',
  maxLength: DEFAULT_MAX_LENGTH,
  batchSize: DEFAULT_BATCH_SIZE,
  autoAnnotate: false,
  autoAnnotateLanguages: ['markdown', 'plaintext'],
  decorationFormat: DEFAULT_DECORATION_FORMAT,
  minConfidence: 0,
  activeCheckpoint: '',
};

/** Settings whose change means the model must be reloaded. */
export const MODEL_KEYS = ['model', 'device', 'pooling', 'maxLength', 'batchSize', 'activeCheckpoint'] as const;

export interface ConfigSource {
  get<T>(key: string): T | undefined;
}

export function readSettings(cfg: ConfigSource, warn: (message: string) => void = () => {}): Settings {
  const bad = (key: keyof Settings, value: unknown, expected: string): void =>
    warn(`setting ${SECTION}.${key} = ${JSON.stringify(value)} is not ${expected}; using ${JSON.stringify(DEFAULTS[key])}`);
  const str = (key: 'model' | 'decorationFormat' | 'activeCheckpoint', allowEmpty: boolean): string => {
    const v = cfg.get<unknown>(key);
    if (v === undefined || v === null) return DEFAULTS[key];
    if (typeof v !== 'string' || (!allowEmpty && !v.trim())) {
      bad(key, v, allowEmpty ? 'a string' : 'a non-empty string');
      return DEFAULTS[key];
    }
    return v.trim();
  };
  const oneOf = <K extends 'device' | 'pooling'>(key: K, options: readonly Settings[K][]): Settings[K] => {
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
  const autoAnnotate = cfg.get<unknown>('autoAnnotate');
  const langs = cfg.get<unknown>('autoAnnotateLanguages');
  const minConfidence = cfg.get<unknown>('minConfidence');
  let languages = DEFAULTS.autoAnnotateLanguages;
  if (langs !== undefined && langs !== null) {
    if (Array.isArray(langs) && langs.every((l) => typeof l === 'string')) languages = langs;
    else bad('autoAnnotateLanguages', langs, 'a list of language ids');
  }
  let conf = DEFAULTS.minConfidence;
  if (minConfidence !== undefined && minConfidence !== null) {
    if (typeof minConfidence === 'number' && minConfidence >= 0 && minConfidence <= 1) conf = minConfidence;
    else bad('minConfidence', minConfidence, 'a number from 0 to 1');
  }
  let auto = DEFAULTS.autoAnnotate;
  if (autoAnnotate !== undefined && autoAnnotate !== null) {
    if (typeof autoAnnotate === 'boolean') auto = autoAnnotate;
    else bad('autoAnnotate', autoAnnotate, 'true or false');
  }
  return {
    model: str('model', false),
    device: oneOf('device', DEVICE_SETTINGS),
    pooling: oneOf('pooling', POOLING_SETTINGS),
    maxLength: int('maxLength'),
    batchSize: int('batchSize'),
    autoAnnotate: auto,
    autoAnnotateLanguages: languages,
    decorationFormat: str('decorationFormat', false),
    minConfidence: conf,
    activeCheckpoint: str('activeCheckpoint', true),
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
    ...(s.pooling === 'auto' ? {} : { pooling: s.pooling }),
    maxLength: s.maxLength,
    batchSize: s.batchSize,
  };
}

function basename(p: string): string {
  return p.replace(/[\\/]+$/, '').split(/[\\/]/).at(-1) || p;
}
