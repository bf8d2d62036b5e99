import { $, h } from './dom.js';
import { errorMessage, formatBytes, formatPercent } from './format.js';
import { siteModelsPath } from './site.js';
import type { DemoState } from './state.js';
import { cacheUsage, clearModelCache, storageEstimate } from './storage.js';

/** Redraws the Storage panel: bytes cached per model, the browser's quota, and what the loaded draft adds. */
export async function refreshStorage(state: DemoState): Promise<void> {
  const body = $('storage').querySelector('tbody')!;
  try {
    const usage = await cacheUsage(siteModelsPath);
    body.replaceChildren();
    if (!usage.available) body.append(h('tr', {}, h('td', { colspan: '2' }, 'Cache Storage is not available in this browser context.')));
    else if (usage.byModel.size === 0) body.append(h('tr', {}, h('td', { colspan: '2' }, 'Nothing cached yet.')));
    for (const [model, { bytes, files }] of [...usage.byModel].sort((a, b) => b[1].bytes - a[1].bytes)) {
      body.append(h('tr', {}, h('th', { scope: 'row' }, model, h('span', { class: 'hint' }, ` (${files} file${files === 1 ? '' : 's'})`)), h('td', { class: 'num' }, formatBytes(bytes))));
    }
    if (usage.byModel.size > 0) body.append(h('tr', { class: 'total' }, h('th', { scope: 'row' }, 'All cached files'), h('td', { class: 'num' }, formatBytes(usage.totalBytes))));
    const loaded = state.loaded;
    if (loaded) {
      const localNote = loaded.pair.local ? ' Served by this site: the browser caches these files like downloads, at no network cost.' : '';
      $('storage-draft-cost').textContent = loaded.info.draft
        ? `The draft costs ${formatBytes(loaded.info.draft.bytes)} on top of the target’s ${formatBytes(loaded.info.target.bytes)} (${formatPercent(loaded.info.draft.bytes / Math.max(1, loaded.info.target.bytes))} extra).${localNote}`
        : `No draft model: speculation costs no extra download.${localNote}`;
    }
  } catch (e) {
    body.replaceChildren(h('tr', {}, h('td', { colspan: '2' }, `Could not read the cache: ${errorMessage(e)}`)));
  }
  const estimate = await storageEstimate().catch(() => null);
  $('storage-estimate').textContent = estimate
    ? `This site uses ${formatBytes(estimate.usage)} of ${formatBytes(estimate.quota)} the browser allows (navigator.storage.estimate()).`
    : 'navigator.storage.estimate() is not available here.';
}

export async function clearStorage(state: DemoState): Promise<void> {
  const ok = await clearModelCache().catch(() => false);
  $('storage-status').textContent = ok ? 'Cached models cleared. Loaded models stay in memory until you load another pair.' : 'There was nothing to clear.';
  await refreshStorage(state);
}
