/**
 * Reads a transformers.js / ONNX Runtime load failure and says what to change. Their messages name a path or a
 * backend but not the engine option that decides it, and a runtime that failed to download looks like a broken
 * model file; apps need the option (`localModelPath`, `allowRemoteModels`, `remoteHost`, `wasmPaths`, `dtype`) and the
 * URL tried.
 */

/** Where local models are looked up, as transformers.js's `env` holds it when loading fails. */
export interface ModelSources {
  localModelPath: string;
  /** Where remote files come from: the Hub's `https://huggingface.co/` unless the app set `remoteHost`. */
  remoteHost: string;
  remotePathTemplate: string;
}

export interface LoadFailureFix {
  /** One or two sentences to append to the error message. */
  fix: string;
  /** Set when the failing file is not the model's own: the URL of ORT's runtime file. */
  runtimeFile?: string;
}

/** The fix for a failure message, or null when the message matches no known cause. */
export function fixForLoadFailure(message: string, id: string, sources: ModelSources): LoadFailureFix | null {
  // Only a runtime file that failed to load: a backend that fails for other reasons (no adapter) needs other advice.
  const runtime = /Failed to fetch dynamically imported module|ort-wasm[\w.-]*\.(?:mjs|wasm)|no available backend found[\s\S]*\.(?:mjs|wasm)\b/i;
  if (runtime.test(message)) {
    const url = /(?:https?:)?\/\/?[^\s"'?]+\.(?:mjs|wasm)/.exec(message)?.[0];
    return {
      fix:
        `ONNX Runtime's WebAssembly runtime did not load${url ? ` from ${url}` : ''}, so no model can run; the model files are not at fault. ` +
        'By default transformers.js fetches ort-wasm-simd-threaded.asyncify.{mjs,wasm} from a CDN: serve both files from ' +
        'onnxruntime-web/dist on your own origin and pass their URLs as wasmPaths: { mjs, wasm }.',
      ...(url ? { runtimeFile: url } : {}),
    };
  }
  // A path or URL as the id is the usual reason a file is "missing" although it exists.
  const name = id.replace(/\/+$/, '').split('/').at(-1) ?? id;
  const idAdvice =
    `Model ids are Hub ids ("org/name") or folder names under localModelPath ("${sources.localModelPath}"), not paths or URLs: ` +
    `serve the model's folder under localModelPath and pass its name, e.g. { localModelPath: '/models/', target: '${name}' }.`;
  const pathAdvice = looksLikePathOrUrl(id) ? ` ${idAdvice}` : '';
  if (/download aborted due to invalid model ID/.test(message)) return { fix: idAdvice };
  if (/allowRemoteModels=false`, but attempted to load a remote file/.test(message)) {
    return { fix: `A URL as the id is fetched as a remote file, which allowRemoteModels: false forbids. ${idAdvice}` };
  }
  const localOnly = /allowRemoteModels=false` and file was not found locally at "([^"]+)"/.exec(message);
  if (localOnly) {
    return {
      fix:
        `Remote models are off (allowRemoteModels: false), so it was looked for only at ${localOnly[1]} under localModelPath ` +
        `"${sources.localModelPath}": put the model's files there, choose a dtype whose onnx/model_<dtype>.onnx is there, ` +
        `or set allowRemoteModels: true to fetch it from the Hugging Face Hub.${pathAdvice}`,
    };
  }
  const remoteMissing = /Could not locate file: "([^"]+)"/.exec(message);
  if (remoteMissing && !isHub(sources.remoteHost)) {
    return {
      fix:
        `${remoteMissing[1]} does not exist on remoteHost "${sources.remoteHost}", where model files are looked up as ` +
        `"${sources.remoteHost}${sources.remotePathTemplate}<file>": check that the model's folder is there and that ` +
        `remotePathTemplate matches its layout ('{model}/' for plain folders, '{model}/resolve/{revision}/' for a Hub mirror).${pathAdvice}`,
    };
  }
  if (remoteMissing) {
    return {
      fix:
        `${remoteMissing[1]} does not exist: check the id and the revision, and that the repository has the ONNX file of the ` +
        `dtype you chose (onnx/model_<dtype>.onnx). To serve the model yourself, set localModelPath (and allowRemoteModels: false).${pathAdvice}`,
    };
  }
  return null;
}

function isHub(host: string): boolean {
  return /^https:\/\/huggingface\.co\/?$/.test(host);
}

function looksLikePathOrUrl(id: string): boolean {
  return /^(?:[a-z]+:\/\/|\.{0,2}\/)/i.test(id) || id.split('/').length > 2;
}
