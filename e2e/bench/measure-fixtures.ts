// `npm run fixtures:measure -- [--gpu swiftshader|system] [--backend webgpu|wasm]`: measures each fixture pair
// in the browser and writes `measured.<backend>` into the fixtures' speculo-fixture.json: the draft's greedy
// acceptance (γ = 1, so accepted/drafted is the per-token agreement), and ms per token of draft and target from
// the device profile the engine calibrates. The Node-side generator fills `measured.wasm` the same way for ORT
// in Node; this fills what only a browser can measure.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openBenchPage, printTable, startServer, type GpuProfile } from './bench-browser.js';
import { fixturesDir } from '../support/reference-greedy.js';

const { values } = parseArgs({
  options: {
    gpu: { type: 'string', default: 'swiftshader' },
    backend: { type: 'string', default: 'webgpu' },
    'max-new-tokens': { type: 'string', default: '32' },
  },
});
const backend = values.backend === 'wasm' ? 'wasm' : 'webgpu';
const profile: GpuProfile = backend === 'wasm' ? 'wasm' : (values.gpu as GpuProfile);
const maxNewTokens = Number(values['max-new-tokens']);
const pairs = [
  ['tiny-target', 'tiny-draft'],
  ['tiny-target', 'tiny-draft-random'],
  ['ctrl-target', 'ctrl-draft-20'],
  ['ctrl-target', 'ctrl-draft-50'],
  ['ctrl-target', 'ctrl-draft-80'],
  ['ctrl-target', 'ctrl-draft-95'],
] as const;
const prompts = ['Tell me about the baker.', 'What did the garden look like in spring?'];

function updateMetadata(name: string, measured: Record<string, unknown>): void {
  const file = join(fixturesDir, name, 'speculo-fixture.json');
  const metadata = JSON.parse(readFileSync(file, 'utf8')) as { measured: Record<string, unknown> };
  metadata.measured[backend] = { ...(metadata.measured[backend] as object | null), ...measured };
  writeFileSync(file, JSON.stringify(metadata, null, 2) + '\n');
}

const { server, baseUrl } = await startServer();
const bench = await openBenchPage(baseUrl, profile);
const rows: (string | number)[][] = [];
try {
  const adapter = await bench.page.evaluate(() => window.harness.webgpuAdapter());
  for (const [target, draft] of pairs) {
    const promptIds = await bench.page.evaluate(([m, ps]) => window.harness.tokenizeChat(m, ps), [target, prompts] as const);
    const result = await bench.page.evaluate(
      async ([t, d, dev, ids, n]) => {
        const { handle, info } = await window.harness.createEngine({ target: t, draft: d, device: dev, dtype: 'fp32' });
        const engine = window.harness.engine(handle);
        let drafted = 0;
        let accepted = 0;
        for (const promptIds of ids) {
          const r = await engine.generate({ promptIds, maxNewTokens: n, draftLength: 1 });
          drafted += r.metrics.draftedTokens;
          accepted += r.metrics.acceptedTokens;
        }
        await window.harness.disposeEngine(handle);
        return { profile: info.scheduler.profile!, drafted, accepted };
      },
      [target, draft, backend, promptIds, maxNewTokens] as const,
    );
    const measuredAt = new Date().toISOString();
    const common = { measuredAt, browser: bench.version, adapter, profileId: result.profile.id };
    const acceptance = result.drafted ? result.accepted / result.drafted : 0;
    updateMetadata(draft, { ...common, msPerToken: result.profile.draftStepMs, greedyAcceptance: acceptance, greedySteps: result.drafted });
    updateMetadata(target, { ...common, msPerToken: result.profile.targetVerifyMs[0], verifyMsByTokens: result.profile.targetVerifyMs });
    rows.push([target, draft, result.profile.targetVerifyMs[0]!, result.profile.draftStepMs, acceptance, result.drafted]);
  }
} finally {
  await bench.browser.close();
  await server.close();
}
printTable(['target', 'draft', 'target ms/token', 'draft ms/token', 'greedy acceptance', 'steps'], rows);
