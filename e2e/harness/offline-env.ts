/** Where the harness page finds the fixture models and ORT's runtime files: its own origin, never a hub or CDN. */
export const offlineSources = {
  localModelPath: '/models/',
  allowRemoteModels: false,
  wasmPaths: {
    mjs: new URL('/ort/ort-wasm-simd-threaded.asyncify.mjs', self.location.origin).href,
    wasm: new URL('/ort/ort-wasm-simd-threaded.asyncify.wasm', self.location.origin).href,
  },
} as const;
