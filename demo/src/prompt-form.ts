import type { DrafterKind, StreamOptions } from 'speculo';
import { $, h } from './dom.js';
import { examples } from './pairs.js';

/** Fills the example list and starts the prompt with the first code example, which the offline default pair writes well. */
export function initExamples(): void {
  const exampleSelect = $<HTMLSelectElement>('example');
  exampleSelect.append(h('option', { value: '' }, 'Choose an example…'));
  for (const [category, list] of Object.entries(examples)) {
    const group = h('optgroup', { label: category });
    list.forEach((ex, i) => group.append(h('option', { value: `${category}:${i}` }, `${category}: ${ex.label}`)));
    exampleSelect.append(group);
  }
  exampleSelect.addEventListener('change', () => {
    const [category, index] = exampleSelect.value.split(':');
    const ex = category ? examples[category]?.[Number(index)] : undefined;
    if (ex) $<HTMLTextAreaElement>('prompt').value = ex.text;
  });
  $<HTMLTextAreaElement>('prompt').value = examples['Code']![0]!.text;
}

/** The prompt form as call options for both runs; throws a RangeError naming the first invalid field. */
export function readRunOptions(): StreamOptions {
  const prompt = $<HTMLTextAreaElement>('prompt').value;
  if (!prompt.trim()) throw new RangeError('enter a prompt');
  const num = (id: string) => {
    const input = $<HTMLInputElement>(id);
    if (!input.checkValidity()) throw new RangeError(`${input.labels?.[0]?.textContent ?? id}: ${input.validationMessage}`);
    return Number(input.value);
  };
  const chat = $<HTMLInputElement>('chat').checked;
  const options: StreamOptions = {
    ...(chat ? { messages: [{ role: 'user' as const, content: prompt }] } : { prompt }),
    maxNewTokens: num('max-tokens'),
    temperature: num('temperature'),
    seed: num('seed'),
    draftLength: num('gamma'),
  };
  const drafter = $<HTMLSelectElement>('drafter');
  // The select lists only the engine's own `info.drafters`.
  if (!drafter.disabled && drafter.value) options.drafter = drafter.value as DrafterKind;
  return options;
}
