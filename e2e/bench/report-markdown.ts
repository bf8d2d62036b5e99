// The Markdown report of one run. Pure.
import { isSoftwareAdapter } from './adapter.js';
import type { Configuration, RunFile, SpreadJson, Summary } from './run-schema.js';

const ok = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

/** 3 significant-ish digits: 1234, 123, 12.3, 1.23. */
export function num(x: number | null | undefined, digits?: number): string {
  if (!ok(x)) return '–';
  if (digits !== undefined) return x.toFixed(digits);
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** `1.23 [1.10–1.40]`: median with its interquartile range. */
export function spreadCell(s: SpreadJson, unit = '', digits?: number): string {
  if (s.n === 0 || !ok(s.median)) return '–';
  const m = `${num(s.median, digits)}${unit}`;
  return s.n > 1 ? `${m} [${num(s.p25, digits)}–${num(s.p75, digits)}]` : m;
}

export const pct = (x: number | null | undefined) => (ok(x) ? `${(x * 100).toFixed(0)}%` : '–');

function table(headers: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${headers.map(esc).join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function adapterText(c: Configuration): string {
  const a = c.adapter ?? c.engineAdapter;
  if (!a) return c.backend === 'wasm' ? 'none (WASM on the CPU)' : 'none';
  return [a.description && `${a.description}`, `vendor ${a.vendor || '?'}`, `architecture ${a.architecture || '?'}`, a.device && `device ${a.device}`].filter(Boolean).join(', ');
}

function summaryRow(name: string, s: Summary): string[] {
  return [
    name,
    String(s.prompts),
    spreadCell(s.targetOnlyTokensPerSecond),
    spreadCell(s.speculativeTokensPerSecond),
    spreadCell(s.speedup, '×'),
    spreadCell(s.acceptanceRate, '', 2),
    spreadCell(s.meanAcceptanceLength, '', 2),
    spreadCell(s.gammaMean, '', 1),
    spreadCell(s.targetOnlyTimeToFirstTokenMs),
    spreadCell(s.speculativeTimeToFirstTokenMs),
  ];
}

const summaryHeaders = ['', 'prompts', 'target-only tok/s', 'speculative tok/s', 'speedup', 'acceptance', 'mean acceptance length', 'γ', 'TTFT target-only ms', 'TTFT speculative ms'];

export function renderRunMarkdown(run: RunFile, chartFile?: string): string {
  const o = run.options;
  const lines: string[] = [];
  const okConfigs = run.configurations.filter((c) => !c.error);
  lines.push(`# Speculo benchmark: ${o.pair}`);
  lines.push('');
  lines.push(
    `${run.createdAt} · ${(run.durationMs / 60000).toFixed(1)} min · ${run.input.promptsRun} prompts from \`${run.input.file}\` · ` +
      `${o.maxNewTokens} new tokens max · ${o.repeat} repeat${o.repeat === 1 ? '' : 's'} · ${o.temperature === 0 ? 'greedy' : `temperature ${o.temperature}, seeds ${o.seed}…${o.seed + o.repeat - 1}`}`,
  );
  lines.push('');
  lines.push(
    'Speedup = speculative tokens/s ÷ target-only tokens/s of the same prompt (both through the engine, prefill included; tokens/s pooled over repeats). ' +
      'Cells show the median over prompts and, in brackets, the 25th–75th percentiles.',
  );
  if (chartFile) lines.push('', `![speedup by category](${chartFile})`);

  lines.push('', '## Environment', '');
  const env = run.environment;
  lines.push(
    table(
      ['', ''],
      [
        ['OS', `${env.os.platform} ${env.os.release} (${env.os.arch})`],
        ['CPU', `${env.cpu.model} × ${env.cpu.cores}`],
        ['Memory', env.memoryBytes === null ? 'unknown' : `${(env.memoryBytes / 2 ** 30).toFixed(1)} GiB`],
        ['Producer', env.producer === 'demo' ? `the demo's benchmark page${env.pageUrl ? ` (${env.pageUrl})` : ''}` : `npm run bench (Node ${env.node ?? '?'})`],
        ['Speculo', `${env.libraryVersion}${env.gitCommit ? ` (${env.gitCommit.slice(0, 10)})` : ''}`],
        ['Target', `${o.target} (${run.configurations[0]?.models.target.dtype ?? '?'})`],
        ['Draft', `${o.draft} (${run.configurations[0]?.models.draft.dtype ?? '?'})`],
        ['γ / policy / drafter', `${o.draftLength ?? 'engine default'} / ${o.policy ?? 'engine default'} / ${o.drafter ?? 'engine default'}`],
      ],
    ),
  );
  lines.push('', '## Configurations', '');
  lines.push('"Of which model files": fetching the model files (from the network, or from Cache Storage when cached); the rest of the load is session creation and calibration.', '');
  lines.push(
    table(
      ['configuration', 'browser', 'connection', 'backend', 'GPU profile', 'adapter', 'dtypes (target / draft)', 'load', 'of which model files', 'status'],
      run.configurations.map((c) => [
        c.id,
        `${c.browser.name} ${c.browser.version}${c.browser.headless ? ' (headless)' : ''}`,
        c.engineBackend && c.engineBackend !== c.backend ? `${c.backend} (engine ran ${c.engineBackend})` : c.backend,
        c.connection.endpoint ? `${c.connection.kind} (${c.connection.endpoint})` : c.connection.kind,
        c.profile,
        adapterText(c),
        `${c.models.target.dtype} / ${c.models.draft.dtype}`,
        ok(c.loadMs) ? `${(c.loadMs / 1000).toFixed(1)} s` : '–',
        downloadText(c.download),
        c.error ? `failed: ${c.error}` : 'ok',
      ]),
    ),
  );

  if (okConfigs.length) {
    lines.push('', '## Overall', '');
    lines.push(
      table(
        summaryHeaders.map((h, i) => (i === 0 ? 'configuration' : h)),
        okConfigs.map((c) => summaryRow(c.id, c.overall)),
      ),
    );
    for (const c of okConfigs) {
      lines.push('', `## ${c.label}`, '', `Configuration \`${c.id}\`; adapter: ${adapterText(c)}.`, '');
      lines.push(
        table(
          summaryHeaders.map((h, i) => (i === 0 ? 'category' : h)),
          [...c.categories.map((s) => summaryRow(s.category, s)), summaryRow('**overall**', c.overall)],
        ),
      );
      const positions = c.overall.acceptanceByPosition;
      if (positions.length) {
        lines.push('', 'Acceptance by draft position (share of proposals at position i that the target accepted, pooled over prompts):', '');
        lines.push(
          table(
            ['category', ...positions.map((_, i) => `pos ${i + 1}`)],
            [...c.categories, c.overall].map((s) => [s.category, ...positions.map((_, i) => pct(s.acceptanceByPosition[i]))]),
          ),
        );
      }
      lines.push('', '<details><summary>Per prompt</summary>', '');
      lines.push(
        table(
          [
            'id',
            'category',
            'prompt tokens',
            'tokens (target-only / speculative)',
            'target-only tok/s',
            'speculative tok/s',
            'speedup',
            'acceptance',
            'mean acceptance length',
            'γ',
            'TTFT ms (target-only / speculative)',
            'same output',
          ],
          c.prompts.map((p) => [
            p.id,
            p.category,
            `${p.promptTokens}${p.truncatedFrom ? ` (cut from ${p.truncatedFrom})` : ''}`,
            `${p.targetOnly.tokens} / ${p.speculative.tokens}`,
            num(p.targetOnly.tokensPerSecond),
            num(p.speculative.tokensPerSecond),
            ok(p.speedup) ? `${p.speedup.toFixed(2)}×` : '–',
            ok(p.acceptanceRate) ? p.acceptanceRate.toFixed(2) : '–',
            num(p.meanAcceptanceLength, 2),
            num(p.gammaMean, 1),
            `${num(p.targetOnly.timeToFirstTokenMs)} / ${num(p.speculative.timeToFirstTokenMs)}`,
            p.outputsIdentical === null ? '–' : p.outputsIdentical ? 'yes' : '**NO**',
          ]),
        ),
      );
      lines.push('', '</details>');
    }
  }

  lines.push('', '## Notes', '');
  const notes: string[] = [];
  notes.push(
    `Method: per configuration the pair is loaded once and warmed up (${o.warmup} untimed run${o.warmup === 1 ? '' : 's'} of each mode); then each prompt runs target-only and speculative back to back, alternating which goes first (A B, B A, …) so drift on the machine hits both alike; repeat r uses seed ${o.seed}+r.`,
  );
  if (run.input.skippedLines.length) {
    notes.push(`${run.input.skippedLines.length} bad input line(s) skipped (--bad-lines skip): ${run.input.skippedLines.map((b) => `line ${b.line}: ${b.message}`).join('; ')}.`);
  }
  if (run.input.truncatedPrompts)
    notes.push(`${run.input.truncatedPrompts} prompt(s) longer than ${o.maxPromptTokens} tokens were cut from the left (--max-prompt-tokens); the chat template is kept.`);
  if (run.input.multiTurnFirstOnly) notes.push(`${run.input.multiTurnFirstOnly} multi-turn Spec-Bench question(s): only the first turn was run.`);
  if (o.source === 'local') notes.push("The models are this repository's tiny fixtures: the numbers check the harness, they say nothing about real models.");
  const mismatched = okConfigs.flatMap((c) => c.prompts.filter((p) => p.outputsIdentical === false).map((p) => `${c.id}: ${p.id}`));
  if (mismatched.length) notes.push(`**Greedy outputs differed between target-only and speculative** (should never happen): ${mismatched.join(', ')}.`);
  for (const c of run.configurations.filter((x) => x.error)) notes.push(`${c.id} did not run: ${c.error}`);
  for (const c of okConfigs.filter((x) => x.profile === 'system' && isSoftwareAdapter(x.adapter ?? x.engineAdapter, x.backend))) {
    notes.push(`${c.id} asked for the system GPU but got a software adapter (${adapterText(c)}): see e2e/bench/README.md (run headed, or check chrome://gpu).`);
  }
  lines.push(...notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}

/** A load's model files: where they came from, how many, and how long fetching took. */
export function downloadText(d: Configuration['download']): string {
  if (!d) return '–';
  const source = d.fromCache === true ? 'from cache' : d.fromCache === false ? 'downloaded' : 'source unknown';
  const time = d.fetchMs !== null ? `${(d.fetchMs / 1000).toFixed(1)} s` : '?';
  const requests = d.networkRequests !== null ? `, ${d.networkRequests} network request${d.networkRequests === 1 ? '' : 's'}` : '';
  return `${time}, ${source} (${d.files} files, ${(d.bytes / 2 ** 20).toFixed(1)} MiB${requests})`;
}
