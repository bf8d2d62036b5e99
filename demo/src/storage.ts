/**
 * What the models take in the browser: transformers.js stores every downloaded file in the Cache Storage cache
 * `transformers-cache` (its `env.cacheKey`), keyed by the file's URL: `https://huggingface.co/<id>/resolve/<rev>/<file>`
 * for the Hub, the URL under this site's `models/` for models served locally.
 */
export const transformersCacheName = 'transformers-cache';

export interface CacheUsage {
  /** Bytes per model id (or `ONNX Runtime` for the wasm runtime files). */
  byModel: Map<string, { bytes: number; files: number }>;
  totalBytes: number;
  available: boolean;
}

/** Which model a cached URL belongs to. */
export function modelOfCacheKey(url: string, siteModelsPath: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  const resolve = /^\/(.+?)\/resolve\/[^/]+\//.exec(u.pathname);
  if (resolve && u.hostname.endsWith('huggingface.co')) return resolve[1]!;
  if (/\.(wasm|mjs)$/.test(u.pathname) && /ort/.test(u.pathname)) return 'ONNX Runtime (wasm)';
  if (u.pathname.startsWith(siteModelsPath)) {
    const rest = u.pathname.slice(siteModelsPath.length);
    // Local ids may have a slash (org/name): the model folder is everything before a known file or `onnx/`.
    const cut = rest.search(/\/(onnx\/|[^/]+\.(json|txt|model)$)/);
    return `${cut > 0 ? rest.slice(0, cut) : rest.split('/')[0]} (this site)`;
  }
  return u.hostname + u.pathname;
}

async function sizeOf(response: Response): Promise<number> {
  const header = Number(response.headers.get('content-length'));
  if (Number.isFinite(header) && header > 0) return header;
  // Cache Storage blobs are disk-backed: reading the size does not load the body.
  return (await response.blob()).size;
}

export async function cacheUsage(siteModelsPath: string): Promise<CacheUsage> {
  const byModel = new Map<string, { bytes: number; files: number }>();
  if (typeof caches === 'undefined') return { byModel, totalBytes: 0, available: false };
  if (!(await caches.has(transformersCacheName))) return { byModel, totalBytes: 0, available: true };
  const cache = await caches.open(transformersCacheName);
  let totalBytes = 0;
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    if (!response) continue;
    const bytes = await sizeOf(response);
    const model = modelOfCacheKey(request.url, siteModelsPath);
    const entry = byModel.get(model) ?? { bytes: 0, files: 0 };
    entry.bytes += bytes;
    entry.files++;
    byModel.set(model, entry);
    totalBytes += bytes;
  }
  return { byModel, totalBytes, available: true };
}

export async function clearModelCache(): Promise<boolean> {
  if (typeof caches === 'undefined') return false;
  return caches.delete(transformersCacheName);
}

export async function storageEstimate(): Promise<{ usage: number; quota: number } | null> {
  if (!navigator.storage?.estimate) return null;
  const { usage = 0, quota = 0 } = await navigator.storage.estimate();
  return { usage, quota };
}
