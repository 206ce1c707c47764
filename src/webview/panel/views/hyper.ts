/** The Hyperparameters section: every option the engine takes, checked by the engine itself. */
import { html, nothing, type TemplateResult } from 'lit';
import type { PanelModel } from '../model.js';
import { type Actions, numberField, section, selectField } from './common.js';

export function hyperSection(m: PanelModel, a: Actions): TemplateResult {
  const form = m.form!;
  const f = (key: Parameters<typeof numberField>[2], label: string, help: string, optional = false) => numberField(m, a, key, label, help, { optional });
  const body = html`<div class="grid-fields">
    ${f('epochs', 'Epochs', form.maxSteps !== undefined ? 'Ignored: Max steps decides the length.' : 'Passes over the training rows.')}
    ${f('maxSteps', 'Max steps', 'Optimizer steps; when set, decides the length instead of epochs.', true)}
    ${f('batchSize', 'Batch size', 'Sentences per forward pass (batches are bucketed by length).')}
    ${f('gradAccum', 'Gradient accumulation', 'Batches summed into one optimizer step (effective batch = batch × this).')}
    ${f('lr', 'Learning rate', 'Peak learning rate; heads-only runs take a larger one (1e-3) than full fine-tuning (2e-5 to 5e-5).')}
    ${selectField('f-decay', 'Schedule', form.decay, [{ value: 'linear', label: 'linear decay' }, { value: 'cosine', label: 'cosine decay' }, { value: 'constant', label: 'constant' }], (d) => a.update((x) => ({ ...x, decay: d })), 'After warmup.')}
    ${f('warmup', 'Warmup', 'A fraction of the run (below 1) or a number of steps.')}
    ${selectField('f-optimizer', 'Optimizer', form.optimizer, [{ value: 'adamw', label: 'AdamW' }, { value: 'sgd', label: 'SGD' }], (o) => a.update((x) => ({ ...x, optimizer: o })))}
    ${f('weightDecay', 'Weight decay', 'Decoupled (AdamW); never on biases and LayerNorm.')}
    ${f('maxGradNorm', 'Max gradient norm', 'Global-norm clipping; 0 turns it off.')}
    ${f('dropout', 'Dropout', "Rate at every dropout site; empty: the model config's.", true)}
    ${f('maxLength', 'Max length', 'Tokens per sentence; longer ones are truncated.')}
    ${f('seed', 'Seed', 'Same seed, same data, same options: the same run.')}
    ${f('patience', 'Early-stopping patience', 'Stop after this many evaluations without a lower validation loss; empty: never.', true)}
  </div>
  ${m.optionErrors.form ? html`<div class="error field-error" data-field="form">${m.optionErrors.form}</div>` : nothing}`;
  return section('hyper', 'settings-gear', 'Hyperparameters', body);
}
