/**
 * Everything the training panel's page shows, in one value, and how each message from the host
 * changes it. Pure: the page renders whatever this holds.
 */
import type { CsvInspection, HostToPanel, ModelPicture, PanelError, PanelOptions, RunSummary } from '../schema.js';
import { defaultForm, restoredForm, withAdaptPaths, withGuess } from './form.js';
import { applyEntries, emptyRunView, type RunView } from './run-view.js';

type Init = Extract<HostToPanel, { type: 'init' }>;

export interface PanelModel {
  readonly init?: Omit<Init, 'type' | 'runs'>;
  readonly runs: readonly RunSummary[];
  readonly form?: PanelOptions;
  /** Number fields as typed, while they do not parse. */
  readonly raw: Readonly<Record<string, string>>;
  readonly inspection?: CsvInspection;
  readonly picture?: ModelPicture | null;
  readonly pictureError?: string;
  /** Form field → the engine's message. */
  readonly optionErrors: Readonly<Record<string, string>>;
  readonly run?: RunView;
  readonly error?: PanelError;
  /** A start was asked for and its run has not shown up yet. */
  readonly starting: boolean;
}

export const EMPTY: PanelModel = { runs: [], raw: {}, optionErrors: {}, starting: false };


export function applyHostMessage(m: PanelModel, msg: HostToPanel, saved?: Partial<PanelOptions>): PanelModel {
  switch (msg.type) {
    case 'init': {
      const { type: _, runs, ...init } = msg;
      // The base model and device start as the settings name them (the offline model by default).
      const fresh = { ...defaultForm(init.defaults, { kind: 'settings' }, init.csvFiles[0]?.path ?? ''), device: init.settingsDevice };
      let form = restoredForm(fresh, m.form ?? saved);
      if (init.restricted) form = { ...form, model: { kind: 'settings' } };
      return { ...m, init, runs, form, error: undefined };
    }
    case 'csvFiles':
      return m.init ? { ...m, init: { ...m.init, csvFiles: msg.files } } : m;
    case 'inspection': {
      if (!m.form || msg.inspection.csv !== m.form.csv) return m; // an answer about a CSV no longer chosen
      return { ...m, inspection: msg.inspection, form: withGuess(m.form, msg.inspection) };
    }
    case 'modelPicture':
      return { ...m, picture: msg.picture, pictureError: msg.error?.message };
    case 'optionErrors':
      return { ...m, optionErrors: msg.errors };
    case 'runs':
      return { ...m, runs: msg.runs };
    case 'runEvents': {
      const base = msg.reset || m.run?.runId !== msg.runId ? emptyRunView(msg.runId) : m.run!;
      return { ...m, run: applyEntries(base, msg.entries), starting: false };
    }
    case 'error':
      return { ...m, error: msg.error, starting: false };
    case 'addAdaptPaths':
      return m.form ? { ...m, form: withAdaptPaths(m.form, msg.paths) } : m;
    case 'selectCsv':
    case 'selectModelFolder':
      // The page turns these into form edits (and requests) itself.
      return m;
  }
}
