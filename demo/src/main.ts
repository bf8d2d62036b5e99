import { createSpeculo, type GenerationResult, type SpeculoEngine, type TokenEvent } from 'speculo';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
// The site keeps models/ and ort/ beside demo/, in dev and in the static build alike.
const siteRoot = new URL('../', location.href);

async function main(): Promise<void> {
  const engine = await createSpeculo({
    target: 'tiny-target',
    draft: 'tiny-draft',
    device: 'auto',
    dtype: 'fp32',
    localModelPath: new URL('models/', siteRoot).pathname,
    allowRemoteModels: false,
    wasmPaths: {
      mjs: new URL('ort/ort-wasm-simd-threaded.asyncify.mjs', siteRoot).href,
      wasm: new URL('ort/ort-wasm-simd-threaded.asyncify.wasm', siteRoot).href,
    },
    onProgress: (p) => ($('load-status').textContent = `Loading ${p.model} ${p.file}: ${p.loaded}/${p.total} bytes`),
  });
  const { backend, adapter } = engine.info;
  $('device').textContent = backend === 'webgpu' ? `WebGPU on ${adapter?.vendor} ${adapter?.architecture}` : 'WebGPU is not available here: running on WASM (CPU).';
  $('load-status').textContent = 'Models loaded.';
  $<HTMLButtonElement>('run').disabled = false;
  $('run-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void runBoth(engine);
  });
}

async function runPane(engine: SpeculoEngine, speculative: boolean, textId: string, statsId: string): Promise<GenerationResult> {
  const pane = $(textId);
  pane.textContent = '';
  const result = await engine.generate({
    prompt: $<HTMLTextAreaElement>('prompt').value,
    maxNewTokens: Number($<HTMLInputElement>('max-tokens').value),
    speculative,
    onToken: (ev: TokenEvent) => {
      const span = document.createElement('span');
      span.textContent = ev.text;
      if (ev.provenance.includes('draft')) {
        span.className = 'draft';
        span.title = 'contains accepted draft tokens';
      }
      pane.append(span);
    },
  });
  const m = result.metrics;
  $(statsId).textContent = `${m.newTokens} tokens in ${m.wallMs.toFixed(0)} ms: ${m.tokensPerSecond.toFixed(1)} tok/s` +
    (speculative ? `, acceptance ${(m.acceptanceRate * 100).toFixed(0)}%, ${m.meanAcceptanceLength.toFixed(2)} tokens per target pass` : '');
  return result;
}

async function runBoth(engine: SpeculoEngine): Promise<void> {
  const button = $<HTMLButtonElement>('run');
  button.disabled = true;
  try {
    const baseline = await runPane(engine, false, 'baseline-text', 'baseline-stats');
    const spec = await runPane(engine, true, 'spec-text', 'spec-stats');
    const speedup = spec.metrics.tokensPerSecond / baseline.metrics.tokensPerSecond;
    $('summary').textContent = `Speedup ${speedup.toFixed(2)}× (${spec.text === baseline.text ? 'identical text' : 'texts differ'})`;
  } catch (e) {
    $('summary').textContent = `Error: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    button.disabled = false;
  }
}

main().catch((e) => ($('load-status').textContent = `Could not load the models: ${e instanceof Error ? e.message : String(e)}`));
