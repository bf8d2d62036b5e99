import type { LoadProgress } from 'speculo';
import { $, h } from './dom.js';
import { formatBytes } from './format.js';

interface DownloadRow {
  bar: HTMLProgressElement;
  bytes: HTMLTableCellElement;
  loaded: number;
  total: number;
}

/** The Downloads panel for one load: a row per model file, and the total. Creating one clears the table. */
export class DownloadsTable {
  private readonly rows = new Map<string, DownloadRow>();
  private readonly body = $('downloads').querySelector('tbody')!;

  constructor() {
    this.body.replaceChildren();
    $('downloads-total').textContent = '0 B';
  }

  /** Takes one file's progress (bytes, not calibration steps). */
  report(p: LoadProgress): void {
    const entry = this.rowFor(p);
    entry.total = Math.max(entry.total, p.total);
    entry.loaded = p.status === 'done' ? Math.max(entry.total, p.loaded) : p.loaded;
    if (p.status === 'done' && entry.total === 0) entry.total = entry.loaded;
    entry.bar.max = Math.max(1, entry.total);
    entry.bar.value = p.status === 'done' ? entry.bar.max : Math.min(entry.loaded, entry.bar.max);
    entry.bytes.textContent = entry.total ? `${formatBytes(entry.loaded)} / ${formatBytes(entry.total)}` : formatBytes(entry.loaded);
    let total = 0;
    for (const e of this.rows.values()) total += e.total;
    $('downloads-total').textContent = `${formatBytes(this.fetchedBytes())} / ${formatBytes(total)}`;
  }

  /** Bytes loaded so far, over all files. */
  fetchedBytes(): number {
    let loaded = 0;
    for (const e of this.rows.values()) loaded += e.loaded;
    return loaded;
  }

  private rowFor(p: LoadProgress): DownloadRow {
    const key = `${p.model}:${p.name}/${p.file}`;
    let entry = this.rows.get(key);
    if (!entry) {
      const bar = h('progress', { max: '1', value: '0', 'aria-label': `${p.model} ${p.file}` });
      const bytes = h('td', { class: 'num' });
      const row = h('tr', {}, h('th', { scope: 'row' }, h('span', { class: `role ${p.model}` }, p.model), ' ', h('span', { class: 'file' }, p.file), bar), bytes);
      row.title = `${p.name}/${p.file}`;
      this.body.append(row);
      entry = { bar, bytes, loaded: 0, total: 0 };
      this.rows.set(key, entry);
    }
    return entry;
  }
}
