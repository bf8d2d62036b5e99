import type { GuardrailEvent } from 'speculo';
import { $, h } from './dom.js';

/** Lists one guardrail event under the results: its type, round, and every other field it carries. */
export function showGuardrail(event: GuardrailEvent): void {
  const list = $('guardrails');
  if (list.querySelector('.note')) list.replaceChildren();
  const { type, round, ...rest } = event;
  const details = Object.entries(rest)
    .map(([k, v]: [string, unknown]) => `${k} ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(2)) : String(v)}`)
    .join(', ');
  list.append(h('li', { class: `guard ${type}` }, h('strong', {}, type), ` at round ${round}${details ? `: ${details}` : ''}`));
}

/** Clears the list back to its placeholder before a run. */
export function resetGuardrails(): void {
  $('guardrails').replaceChildren(h('li', { class: 'note' }, 'none yet'));
}

/** After a run without events, says so plainly. */
export function showNoGuardrails(): void {
  $('guardrails').replaceChildren(h('li', {}, 'No guardrail events: speculation ran normally throughout.'));
}
