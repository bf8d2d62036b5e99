import type { DrafterCost, EngineInfo } from 'speculo';
import { $, h } from './dom.js';
import { formatBytes } from './format.js';

/** `download 475 kB · stored 475 kB · GPU 719 kB · CPU index 0 B` */
export function describeCost(cost: DrafterCost): string {
  return [`download ${formatBytes(cost.downloadBytes)}`, `stored ${formatBytes(cost.storedBytes)}`, `GPU ${formatBytes(cost.gpuBytes)}`, `CPU index ${formatBytes(cost.cacheBytes)}`].join(
    ' · ',
  );
}

/** What the drafter a run used costs; `GenerationResult.drafter` is a plain string, hence the string-keyed view. */
export function drafterCostOf(info: EngineInfo, drafter: string | null): DrafterCost | null {
  const costs: Partial<Record<string, DrafterCost>> = info.drafterCosts;
  return drafter ? (costs[drafter] ?? null) : null;
}

/** Offers the engine's drafters for the next run, its default selected. */
export function showDrafters(info: EngineInfo): void {
  const select = $<HTMLSelectElement>('drafter');
  select.replaceChildren();
  if (info.drafters.length === 0) {
    select.append(h('option', { value: '' }, info.draft ? 'draft model' : 'none'));
    select.disabled = true;
    return;
  }
  for (const d of info.drafters) select.append(h('option', { value: d }, d === 'model' ? 'model (the draft model)' : d));
  if (info.defaultDrafter) select.value = info.defaultDrafter;
  select.disabled = false;
}
