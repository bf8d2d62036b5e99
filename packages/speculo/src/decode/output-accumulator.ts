import type { FinishReason, TokenSource } from '../types/index.js';
import { IncrementalDetokenizer } from '../stream/incremental-detokenizer.js';
import { StopStringMatcher } from '../stream/stop-strings.js';

/** Text and token bookkeeping of one generation: detokenising, stop strings, provenance. */
export class OutputAccumulator {
  readonly tokenIds: number[] = [];
  readonly provenance: TokenSource[] = [];
  text = '';
  finishReason: FinishReason | null = null;
  private readonly detokenizer: IncrementalDetokenizer;
  private readonly stopMatcher: StopStringMatcher;

  constructor(
    decode: (ids: number[]) => string,
    stop: string[],
    private readonly eosTokenIds: ReadonlySet<number>,
  ) {
    this.detokenizer = new IncrementalDetokenizer(decode);
    this.stopMatcher = new StopStringMatcher(stop);
  }

  /** Appends a round's tokens; a stop string can end the output mid-round, so returns what was kept. */
  append(tokens: number[], sources: TokenSource[]): { tokenIds: number[]; provenance: TokenSource[]; text: string } {
    let delta = '';
    let kept = 0;
    for (const token of tokens) {
      kept++;
      const visible = this.eosTokenIds.has(token) ? '' : this.detokenizer.push(token);
      const { emit, stopped } = this.stopMatcher.push(visible);
      delta += emit;
      if (stopped) {
        this.finishReason = 'stop-string';
        break;
      }
    }
    const keptTokens = tokens.slice(0, kept);
    const keptSources = sources.slice(0, kept);
    this.tokenIds.push(...keptTokens);
    this.provenance.push(...keptSources);
    this.text += delta;
    return { tokenIds: keptTokens, provenance: keptSources, text: delta };
  }

  /**
   * Text held back for an unfinished character or a possible stop-string prefix belongs to the answer unless a
   * stop string ended it.
   */
  flush(): string {
    if (this.finishReason === 'stop-string') return '';
    const pending = this.stopMatcher.push(this.detokenizer.flush());
    if (pending.stopped) this.finishReason = 'stop-string';
    const rest = pending.stopped ? pending.emit : pending.emit + this.stopMatcher.flush();
    this.text += rest;
    return rest;
  }
}
