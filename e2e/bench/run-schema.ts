// The versioned JSON a benchmark run writes (`DIR/run-<timestamp>.json`, or the demo's "Benchmark this device" download)
// and `bench:report` reads. Bump `runSchemaVersion` on any breaking change; readers upgrade the versions they know
// (see `upgradeRunFile`) and refuse the others.
import { z } from 'zod';

export const runSchemaId = 'speculo-bench-run';
export const runSchemaVersion = 2;
/** Versions `validateRunFile` reads; older ones are upgraded to the current shape. */
export const readableRunSchemaVersions = [1, 2] as const;

/** Numbers that may be missing (JSON has no NaN: an empty summary serialises as null). */
const num = z.number().nullable();

export const spreadSchema = z.object({ n: z.number().int().nonnegative(), median: num, p25: num, p75: num, min: num, max: num });

const adapterSchema = z.object({ vendor: z.string(), architecture: z.string(), device: z.string(), description: z.string() }).nullable();

/** One timed generation. */
export const sampleSchema = z.object({
  mode: z.enum(['target-only', 'speculative']),
  repeat: z.number().int().nonnegative(),
  /** 0 if this mode ran first for this prompt and repeat, 1 if second (A B / B A alternation). */
  order: z.number().int().min(0).max(1),
  seed: z.number().int().nonnegative(),
  newTokens: z.number().int().nonnegative(),
  wallMs: z.number().nonnegative(),
  tokensPerSecond: z.number().nonnegative(),
  timeToFirstTokenMs: num,
  rounds: z.number().int().nonnegative(),
  draftedTokens: z.number().int().nonnegative(),
  acceptedTokens: z.number().int().nonnegative(),
  /** Tokens whose provenance is `draft`: must equal acceptedTokens. */
  draftProvenanceTokens: z.number().int().nonnegative(),
  meanAcceptanceLength: z.number().nonnegative(),
  targetForwardPasses: z.number().int().nonnegative(),
  /** Per round: proposals made and accepted (from `result.rounds`). */
  roundDrafted: z.array(z.number().int().nonnegative()),
  roundAccepted: z.array(z.number().int().nonnegative()),
  /** γ chosen per round: `result.decisions[].gamma` when the engine reports decisions, else the drafted count. */
  gammas: z.array(z.number().int().nonnegative()),
  gammaSource: z.enum(['decisions', 'rounds', 'none']),
  /** Round modes from `result.decisions` (e.g. speculate / target-only), when reported. */
  modes: z.record(z.string(), z.number().int().nonnegative()),
  drafter: z.string().nullable(),
  finishReason: z.string(),
  /** FNV-1a of the token ids, to compare outputs without storing them. */
  outputHash: z.string(),
});

export const promptResultSchema = z.object({
  id: z.string(),
  category: z.string(),
  promptTokens: z.number().int().positive(),
  /** Prompt length before left-truncation to --max-prompt-tokens, or null if it fit. */
  truncatedFrom: z.number().int().positive().nullable(),
  samples: z.array(sampleSchema),
  targetOnly: z.object({ runs: z.number().int(), tokens: z.number().int(), wallMs: z.number(), tokensPerSecond: z.number(), timeToFirstTokenMs: num }),
  speculative: z.object({ runs: z.number().int(), tokens: z.number().int(), wallMs: z.number(), tokensPerSecond: z.number(), timeToFirstTokenMs: num }),
  /** speculative.tokensPerSecond ÷ targetOnly.tokensPerSecond. */
  speedup: num,
  draftedTokens: z.number().int().nonnegative(),
  acceptedTokens: z.number().int().nonnegative(),
  /** acceptedTokens ÷ draftedTokens (null when nothing was drafted). */
  acceptanceRate: num,
  meanAcceptanceLength: num,
  /** For draft position i: proposals made there and accepted there, over all speculative runs; rate = accepted ÷ drafted. */
  positionDrafted: z.array(z.number().int().nonnegative()),
  positionAccepted: z.array(z.number().int().nonnegative()),
  acceptanceByPosition: z.array(z.number().min(0).max(1)),
  /** Mean γ over speculative rounds, and how often each γ was chosen. */
  gammaMean: num,
  gammaCounts: z.record(z.string(), z.number().int().nonnegative()),
  /** Greedy only: target-only and speculative produced the same tokens in every repeat (null when sampling). */
  outputsIdentical: z.boolean().nullable(),
});

export const summarySchema = z.object({
  category: z.string(),
  prompts: z.number().int().nonnegative(),
  speedup: spreadSchema,
  targetOnlyTokensPerSecond: spreadSchema,
  speculativeTokensPerSecond: spreadSchema,
  acceptanceRate: spreadSchema,
  meanAcceptanceLength: spreadSchema,
  gammaMean: spreadSchema,
  targetOnlyTimeToFirstTokenMs: spreadSchema,
  speculativeTimeToFirstTokenMs: spreadSchema,
  /** Pooled over the category's prompts (draft position i: accepted ÷ proposed). */
  acceptanceByPosition: z.array(z.number().min(0).max(1)),
});

/**
 * How the harness reached the browser: launched here (`launch`), launched here on a kept profile (`persistent`,
 * `--profile-dir`), a Playwright server (`connect`), a CDP endpoint (`cdp`), or the visitor's own tab (`page`, the demo).
 */
export const connectionSchema = z.object({
  kind: z.enum(['launch', 'persistent', 'connect', 'cdp', 'page']),
  /** The endpoint without credentials or query (grids put keys there), or the profile folder; null for `launch`/`page`. */
  endpoint: z.string().nullable(),
  /** The origin the page was served from, e.g. `http://localhost:5198`. */
  origin: z.string(),
});

/** Where the model files came from on this configuration's load. */
export const downloadSchema = z.object({
  /** Model files the engine fetched (from the network or from Cache Storage), and their bytes. */
  files: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  /** Model files already in the browser's Cache Storage before the load, and whether every file came from there. */
  cachedFilesBefore: z.number().int().nonnegative().nullable(),
  fromCache: z.boolean().nullable(),
  /** From the first file request to the last file's arrival; `loadMs` minus this is session creation and calibration. */
  fetchMs: num,
  /** Model-file requests that reached the network, counted by the harness (null where it cannot see them: the demo). */
  networkRequests: z.number().int().nonnegative().nullable(),
});

export const configurationSchema = z.object({
  /** e.g. `chromium-140/webgpu/swiftshader`: unique within a run. */
  id: z.string(),
  /** A short human label naming browser, backend and adapter (the chart legend). */
  label: z.string(),
  browser: z.object({ name: z.string(), version: z.string(), executable: z.string(), userAgent: z.string(), headless: z.boolean() }),
  backend: z.enum(['webgpu', 'wasm']),
  /** How the browser was started: `remote` and `page` browsers were started by someone else, with their own GPU flags. */
  profile: z.enum(['swiftshader', 'wasm', 'system', 'remote', 'page']),
  connection: connectionSchema,
  /** What the page's `navigator.gpu.requestAdapter()` returned (null: no adapter). */
  adapter: adapterSchema,
  /** What the engine reported it runs on. */
  engineBackend: z.string().nullable(),
  engineAdapter: adapterSchema,
  /** The engine's defaults as it reported them (null on engines that do not report them). */
  engineDefaults: z.object({ policy: z.string().nullable(), drafter: z.string().nullable() }),
  models: z.object({
    target: z.object({ id: z.string(), dtype: z.string() }),
    draft: z.object({ id: z.string(), dtype: z.string() }),
  }),
  /** From the engine's creation to ready: downloads (see `download`), session creation and any calibration. */
  loadMs: num,
  download: downloadSchema.nullable(),
  /** Set when this configuration could not run (e.g. no WebGPU adapter); its prompts are then empty. */
  error: z.string().nullable(),
  prompts: z.array(promptResultSchema),
  categories: z.array(summarySchema),
  overall: summarySchema,
});

export const runFileSchema = z.object({
  schema: z.literal(runSchemaId),
  schemaVersion: z.literal(runSchemaVersion),
  createdAt: z.string(),
  durationMs: z.number().nonnegative(),
  environment: z.object({
    /** `bench-cli`: `npm run bench` (Node drives the browsers); `demo`: the demo's "Benchmark this device" page. */
    producer: z.enum(['bench-cli', 'demo']),
    /** The machine that ran the producer; for the demo, what the browser tells a page ('' when it does not). */
    os: z.object({ platform: z.string(), release: z.string(), arch: z.string() }),
    cpu: z.object({ model: z.string(), cores: z.number().int() }),
    /** Bytes of memory; the demo only gets `navigator.deviceMemory` (rounded, capped at 8 GiB), null without it. */
    memoryBytes: z.number().nullable(),
    node: z.string().nullable(),
    libraryVersion: z.string(),
    gitCommit: z.string().nullable(),
    /** The demo's page URL (null for the CLI). */
    pageUrl: z.string().nullable(),
  }),
  options: z.object({
    pair: z.string(),
    target: z.string(),
    draft: z.string(),
    source: z.enum(['local', 'hub']),
    backends: z.array(z.enum(['webgpu', 'wasm'])),
    gpuProfiles: z.array(z.enum(['swiftshader', 'wasm', 'system', 'remote', 'page'])),
    maxNewTokens: z.number().int().positive(),
    maxPromptTokens: z.number().int().positive(),
    repeat: z.number().int().positive(),
    warmup: z.number().int().nonnegative(),
    seed: z.number().int().nonnegative(),
    temperature: z.number().nonnegative(),
    draftLength: z.number().int().positive().nullable(),
    policy: z.string().nullable(),
    drafter: z.string().nullable(),
  }),
  input: z.object({
    file: z.string(),
    lines: z.number().int().nonnegative(),
    promptsInFile: z.number().int().nonnegative(),
    promptsRun: z.number().int().nonnegative(),
    badLinePolicy: z.enum(['skip', 'fail']),
    skippedLines: z.array(z.object({ line: z.number().int(), message: z.string() })),
    truncatedPrompts: z.number().int().nonnegative(),
    /** Spec-Bench questions whose later turns were not run. */
    multiTurnFirstOnly: z.number().int().nonnegative(),
    selection: z.object({ samplePerCategory: z.number().int().nullable(), limit: z.number().int().nullable(), categories: z.array(z.string()).nullable() }),
  }),
  configurations: z.array(configurationSchema),
});

export type SpreadJson = z.infer<typeof spreadSchema>;
export type Sample = z.infer<typeof sampleSchema>;
export type PromptResult = z.infer<typeof promptResultSchema>;
export type Summary = z.infer<typeof summarySchema>;
export type Configuration = z.infer<typeof configurationSchema>;
export type RunFile = z.infer<typeof runFileSchema>;
export type AdapterInfo = NonNullable<Configuration['adapter']>;
export type Connection = z.infer<typeof connectionSchema>;
export type DownloadRecord = z.infer<typeof downloadSchema>;

/**
 * A version-1 file in today's shape: v1 came only from `npm run bench` launching local browsers, and did not record
 * downloads. Anything else is left for validation to report.
 */
export function upgradeRunFile(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const v = value as Record<string, unknown>;
  if (v['schema'] !== runSchemaId || v['schemaVersion'] !== 1) return value;
  const environment = typeof v['environment'] === 'object' && v['environment'] !== null ? (v['environment'] as Record<string, unknown>) : {};
  const configurations = Array.isArray(v['configurations']) ? (v['configurations'] as unknown[]) : [];
  return {
    ...v,
    schemaVersion: runSchemaVersion,
    environment: { producer: 'bench-cli', pageUrl: null, ...environment },
    configurations: configurations.map((c) =>
      typeof c === 'object' && c !== null ? { connection: { kind: 'launch', endpoint: null, origin: 'http://localhost' }, download: null, ...(c as Record<string, unknown>) } : c,
    ),
  };
}

/** Checks a parsed run file (upgrading older versions it knows); throws an Error naming the first problems (with their JSON paths) otherwise. */
export function validateRunFile(value: unknown, source = 'run file'): RunFile {
  if (typeof value === 'object' && value !== null) {
    const v = value as { schema?: unknown; schemaVersion?: unknown };
    if (v.schema === runSchemaId && !(readableRunSchemaVersions as readonly unknown[]).includes(v.schemaVersion)) {
      throw new Error(
        `${source}: schemaVersion ${String(v.schemaVersion)} is not supported by this version of the harness (it reads ${readableRunSchemaVersions.join(' and ')}): update Speculo's harness`,
      );
    }
  }
  const parsed = runFileSchema.safeParse(upgradeRunFile(value));
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 8).map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source} is not a valid ${runSchemaId} v${runSchemaVersion} file:\n${issues.join('\n')}`);
  }
  return parsed.data;
}

/** JSON Schema of the run file, for consumers outside TypeScript. */
export function runFileJsonSchema(): unknown {
  return z.toJSONSchema(runFileSchema);
}
