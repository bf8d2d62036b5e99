// The site keeps models/, ort/ and bench/ beside demo/, in dev and in the static build alike.
export const siteRoot = new URL('../', location.href);

/** Where the offline fixture models are served, as a path (the engine and the cache keys use it). */
export const siteModelsPath = new URL('models/', siteRoot).pathname;

/** ONNX Runtime's wasm files from this origin, so nothing is fetched from a CDN. */
export const wasmPaths = {
  mjs: new URL('ort/ort-wasm-simd-threaded.asyncify.mjs', siteRoot).href,
  wasm: new URL('ort/ort-wasm-simd-threaded.asyncify.wasm', siteRoot).href,
};
