/**
 * "Label selected as…" on the sentence map, the host's side: asks for a label of the task the map
 * is coloured by, has the Teacher write every selected sentence to the labels file (one write,
 * one undo step, one retrain, as "Label as…" from the editor does), and, once the heads have
 * retrained, classifies the map's sentences again so its colours come from the new heads. The
 * layout is kept: retraining changes the heads only, never the embeddings.
 */
import type * as vscode from 'vscode';
import { recolouredMap, type SentenceMapData } from '../../engine/map/map-data.js';
import type { Classification } from '../../protocol.js';
import { type LabelChoice, pickLabel } from '../labels/label-pick.js';
import type { ModelHost } from '../model-host.js';

/** What the map needs of the Teacher (src/extension/labels/teacher.ts). */
export interface MapTeacher {
  unavailable(): string | undefined;
  given(sentence: string): Readonly<Record<string, string>>;
  labelAll(sentences: readonly string[], task: string, label: string): Promise<void>;
  readonly onDidRetrain: vscode.Event<unknown>;
}

/**
 * The label for the selection, from the quick pick "Label as…" uses (with "New label…"). For one
 * sentence the pick shows its prediction and the person's own label, as in the editor.
 */
export async function chooseLabel(host: ModelHost, teacher: MapTeacher, data: SentenceMapData, sentences: readonly string[], task: string): Promise<LabelChoice | undefined> {
  await host.ensureModel();
  const tasks = (host.state.model?.tasks ?? []).filter((t) => t.name === task);
  if (tasks.length === 0) throw new Error(`the model has no task named "${task}" to label`);
  const title = sentences.length === 1 ? sentences[0]! : `${sentences.length} selected sentences`;
  const one = sentences.length === 1 ? data.texts.indexOf(sentences[0]!) : -1;
  const result = one >= 0 ? pointClassification(data, one) : undefined;
  return pickLabel(title, tasks, result, sentences.length === 1 ? teacher.given(sentences[0]!) : {});
}

/** A point's answer as classify gives it, read back from the map's columns. */
function pointClassification(data: SentenceMapData, point: number): Classification {
  const tasks: Record<string, { label: string; probs: Record<string, number> }> = {};
  for (const t of data.tasks) {
    const v = data.values[t.name];
    const predicted = v?.predicted[point] ?? -1;
    if (!v || predicted < 0) continue;
    tasks[t.name] = { label: t.labels[predicted]!, probs: Object.fromEntries(t.labels.map((l, j) => [l, v.probs[point * t.labels.length + j]!])) };
  }
  return { tasks, truncated: false };
}

/** The map with every point classified by the model as it is now (labels heads included). */
export async function recoloured(host: ModelHost, data: SentenceMapData, token?: vscode.CancellationToken): Promise<SentenceMapData> {
  const { results } = await host.classify(data.texts, token);
  return recolouredMap(data, host.state.model?.tasks ?? data.tasks, results);
}
