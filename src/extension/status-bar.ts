/** The status bar item: model, device and state; a click opens the main actions. */
import * as vscode from 'vscode';
import type { HostState } from './model-host.js';

export const SHOW_ACTIONS = 'sentenceLens.showActions';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('sentenceLens.status', vscode.StatusBarAlignment.Right, 100);
  private last: HostState = { state: 'stopped' };
  /** A training run's progress ('training 42%'), shown whenever no other activity is. */
  private training: string | undefined;

  constructor() {
    this.item.name = 'Sentence Lens';
    this.item.command = SHOW_ACTIONS;
  }

  setTraining(text: string | undefined): void {
    this.training = text;
    this.update(this.last);
  }

  update(s: HostState, activity: string | undefined = this.training): void {
    this.last = s;
    const model = s.model ? shortModel(s.choice?.label ?? s.model.model) : s.choice?.label ?? 'no model';
    // fp32 is the unremarkable case; a reduced precision is shown beside the device.
    const device = s.model ? `${deviceLabel(s.model.device, s.model.adapter)}${s.model.precision && s.model.precision !== 'fp32' ? ` ${s.model.precision}` : ''}` : undefined;
    const where = device ? `${model} · ${device}` : model;
    const icons: Record<HostState['state'], string> = {
      stopped: '$(circle-outline)',
      starting: '$(sync~spin)',
      loading: '$(sync~spin)',
      ready: '$(check)',
      error: '$(error)',
      crashed: '$(warning)',
    };
    const words: Record<HostState['state'], string> = {
      stopped: 'not started',
      starting: 'starting',
      loading: 'loading',
      ready: 'ready',
      error: 'error',
      crashed: 'restarting',
    };
    this.item.text = `${activity ? '$(sync~spin)' : icons[s.state]} ${where}${activity ? ` · ${activity}` : s.state === 'ready' ? '' : ` · ${words[s.state]}`}`;
    const tip = new vscode.MarkdownString(`**Sentence Lens** — ${words[s.state]}\n\nModel: ${s.model?.dir ?? s.choice?.model ?? 'none yet'}`);
    if (s.model) {
      tip.appendMarkdown(`\n\nDevice: ${device}${s.model.fallbacks.length ? ` (${s.model.fallbacks.join('; ')})` : ''}`);
      if (s.model.deviceReason) tip.appendMarkdown(`\n\n${s.model.deviceReason}`);
      if (s.model.precisionFallback) tip.appendMarkdown(`\n\nPrecision: ${s.model.precision} (${s.model.precisionFallback})`);
      tip.appendMarkdown(`\n\nTasks: ${s.model.tasks.map((t) => t.name).join(', ')}`);
    }
    if (s.detail && (s.state === 'error' || s.state === 'crashed')) tip.appendMarkdown(`\n\n${s.detail}`);
    tip.appendMarkdown('\n\nClick for actions.');
    this.item.tooltip = tip;
    this.item.backgroundColor = s.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    // Hidden until Sentence Lens is first used (it activates at start-up for auto-annotation).
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** "webgpu (software)" when the server knows its WebGPU adapter is a CPU rasterizer. */
export function deviceLabel(device: string, adapter: string | undefined): string {
  return device === 'webgpu' && adapter === 'software' ? 'webgpu (software)' : device;
}

function shortModel(m: string): string {
  return m.length > 40 ? `…${m.slice(-39)}` : m;
}
