import { AutoConfig, AutoModelForCausalLM, AutoTokenizer, env, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';
import { ModelLoadError } from '../errors.js';
import type { Backend, DtypeOption, LoadProgress } from '../types/engine.js';
import { fixForLoadFailure } from './load-failure-fix.js';

/** The small files of a model: enough to check a pair before any weights download. */
export interface ModelHeader {
  id: string;
  role: 'target' | 'draft';
  config: Record<string, unknown>;
  tokenizer: PreTrainedTokenizer;
}

export interface LoadedModel extends ModelHeader {
  model: PreTrainedModel;
  dtype: string;
}

export interface LoadModelOptions {
  id: string;
  role: 'target' | 'draft';
  revision?: string;
  onProgress?: (progress: LoadProgress) => void;
  /** Bytes per file, filled in as the loader reports sizes. */
  files: Record<string, number>;
}

interface ProgressInfo {
  status: string;
  file?: string;
  loaded?: number;
  total?: number;
}

/**
 * Tracks transformers.js's per-file progress: forwards it as {@link LoadProgress}, records file sizes, and
 * remembers which file was in flight when loading failed.
 */
class ProgressTracker {
  readonly unfinished = new Set<string>();
  /** Every file reported, in order: a file that downloaded fine can still fail to parse (a corrupt .onnx). */
  private readonly seen: string[] = [];
  constructor(private readonly options: LoadModelOptions) {}

  readonly callback = (info: ProgressInfo): void => {
    const { files, onProgress, role, id } = this.options;
    if (!info.file || !['initiate', 'download', 'progress', 'done'].includes(info.status)) return;
    if (info.status === 'initiate') this.unfinished.add(info.file);
    if (!this.seen.includes(info.file)) this.seen.push(info.file);
    if (info.status === 'done') this.unfinished.delete(info.file);
    if (info.total) files[info.file] = info.total;
    onProgress?.({
      model: role,
      name: id,
      file: info.file,
      status: info.status as LoadProgress['status'],
      loaded: info.loaded ?? (info.status === 'done' ? (files[info.file] ?? 0) : 0),
      total: info.total ?? files[info.file] ?? 0,
    });
  };

  failure(cause: unknown, stage: string): ModelLoadError {
    const message = cause instanceof Error ? cause.message : String(cause);
    const { role, id } = this.options;
    const remedy = fixForLoadFailure(message, id, { localModelPath: env.localModelPath, remoteHost: env.remoteHost, remotePathTemplate: env.remotePathTemplate });
    const file = remedy?.runtimeFile ?? (stage === 'weights' ? weightsCulpritOf(cause, this.unfinished, this.seen) : ([...this.unfinished].at(-1) ?? fileNamedIn(cause)));
    // transformers.js reads a response body that is null for an empty file and fails on `.getReader()`.
    const reason = /reading 'getReader'/.test(message) ? `the file is empty (${message})` : message;
    const explained = remedy ? `${/[.!?]$/.test(reason) ? reason : `${reason}.`} ${remedy.fix}` : reason;
    return new ModelLoadError(`could not load the ${role} model "${id}" (${stage}${file ? `, file ${file}` : ''}): ${explained}`, {
      model: id,
      file,
      cause,
    });
  }
}

/**
 * Which file failed while the weights loaded. The file the error names comes first; then an ONNX file, because
 * transformers.js fetches generation_config.json in parallel with the session, so that small file can still be in
 * flight when a corrupt .onnx fails to parse: an ONNX file still downloading, else the one read last. Any other
 * file still in flight comes last.
 */
export function weightsCulpritOf(cause: unknown, unfinished: ReadonlySet<string>, seen: readonly string[]): string | undefined {
  const isModelFile = (f: string) => /\.onnx(_data)?$/.test(f);
  return fileNamedIn(cause) ?? [...unfinished].filter(isModelFile).at(-1) ?? seen.filter(isModelFile).at(-1) ?? [...unfinished].at(-1);
}

/** Loads config.json and the tokenizer files only. */
export async function loadModelHeader(options: LoadModelOptions): Promise<ModelHeader> {
  const progress = new ProgressTracker(options);
  const common = { revision: options.revision ?? 'main', progress_callback: progress.callback };
  try {
    const [config, tokenizer] = await Promise.all([AutoConfig.from_pretrained(options.id, common), AutoTokenizer.from_pretrained(options.id, common)]);
    return { id: options.id, role: options.role, config: config as unknown as Record<string, unknown>, tokenizer };
  } catch (cause) {
    throw progress.failure(cause, 'config and tokenizer');
  }
}

/** Loads the ONNX weights and creates the inference session on `backend`. */
export async function loadModelWeights(header: ModelHeader, options: LoadModelOptions & { backend: Backend; dtype: DtypeOption }): Promise<LoadedModel> {
  const progress = new ProgressTracker(options);
  try {
    const model = await AutoModelForCausalLM.from_pretrained(options.id, {
      revision: options.revision ?? 'main',
      progress_callback: progress.callback,
      device: options.backend,
      ...(options.dtype === 'auto' ? {} : { dtype: options.dtype }),
    });
    const dtype = options.dtype === 'auto' ? describeDtype(options.files) : options.dtype;
    return { ...header, model, dtype };
  } catch (cause) {
    throw progress.failure(cause, 'weights');
  }
}

/** transformers.js picks the file by dtype (`model.onnx`, `model_q4.onnx`, …): read the choice back from its name. */
function describeDtype(files: Record<string, number>): string {
  const onnx = Object.keys(files).find((f) => f.endsWith('.onnx'));
  const suffix = onnx ? /model(?:_([a-z0-9]+))?\.onnx$/.exec(onnx)?.[1] : undefined;
  return suffix ?? 'fp32';
}

/** transformers.js names a missing file in its message ("…/config.json"); pick it out when no progress named it. */
function fileNamedIn(cause: unknown): string | undefined {
  const message = cause instanceof Error ? cause.message : String(cause);
  const match = /(?:[\w.:-]*\/)*([\w.-]+\.(?:json|onnx|onnx_data|txt|model))\b/.exec(message);
  if (!match) return undefined;
  // The file's path inside the repository, as progress reports name it: `onnx/model_q4.onnx`, not its URL.
  return /(?:^|\/)onnx\/[^/]+$/.test(match[0]) ? `onnx/${match[1]}` : match[1];
}
