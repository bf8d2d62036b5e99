import type { DtypeOption } from 'speculo';
import { $, h } from './dom.js';
import { presets, type PairPreset } from './pairs.js';
import type { ResolvedPair } from './state.js';

/** Fills the pair list (`?pair=<id>` preselects one) and shows the chosen pair's note or the custom fields. */
export function initPairPicker(): void {
  const pairSelect = $<HTMLSelectElement>('pair');
  for (const p of presets) pairSelect.append(h('option', { value: p.id }, p.label));
  const requested = new URLSearchParams(location.search).get('pair');
  if (requested && presets.some((p) => p.id === requested)) pairSelect.value = requested;
  const onPair = () => {
    const preset = currentPreset();
    $('pair-note').textContent = preset.note;
    $('custom-fields').hidden = preset.id !== 'custom';
  };
  pairSelect.addEventListener('change', onPair);
  onPair();
}

function currentPreset(): PairPreset {
  return presets.find((p) => p.id === $<HTMLSelectElement>('pair').value) ?? presets[0]!;
}

/** The chosen pair; throws a RangeError, for the page to show, when the custom fields lack a target. */
export function resolvePair(): ResolvedPair {
  const preset = currentPreset();
  if (preset.id !== 'custom') return { ...preset };
  const target = $<HTMLInputElement>('custom-target').value.trim();
  const draft = $<HTMLInputElement>('custom-draft').value.trim() || null;
  if (!target) throw new RangeError('enter a target model id (for example onnx-community/Qwen2.5-1.5B-Instruct)');
  return {
    target,
    draft,
    drafter: draft ? 'model' : 'prompt-lookup',
    // The select offers only dtypes that transformers.js names.
    dtype: $<HTMLSelectElement>('custom-dtype').value as DtypeOption,
    local: false,
    label: draft ? `${draft} → ${target}` : `${target} + prompt lookup`,
  };
}
