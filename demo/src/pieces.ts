import type { BenchPrompt } from '../../e2e/bench/prompts-input.js';
import type { PreparedBenchPrompt } from '../../e2e/bench/runner.js';
import type { PiecesReply, PiecesRequest } from './pieces.worker.js';

type Pending = { resolve: (r: PiecesReply) => void };
type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;

/** The page's side of the tokenizer worker. */
export class TokenPieces {
  private worker: Worker | null = null;
  private seq = 0;
  private pending = new Map<number, Pending>();
  private ready: Promise<boolean> | null = null;
  /** Why the tokenizer could not load or split, for the page to say. */
  lastError: string | null = null;

  load(model: string, localModelPath: string | null, allowRemoteModels: boolean): Promise<boolean> {
    this.dispose();
    this.worker = new Worker(new URL('./pieces.worker.ts', import.meta.url), { type: 'module', name: 'demo-tokenizer' });
    this.worker.onmessage = (e: MessageEvent<PiecesReply>) => {
      this.pending.get(e.data.seq)?.resolve(e.data);
      this.pending.delete(e.data.seq);
    };
    this.lastError = null;
    this.ready = this.send({ kind: 'load', model, localModelPath, allowRemoteModels }).then((r) => {
      if (!r.ok) this.lastError = r.error;
      return r.ok;
    });
    return this.ready;
  }

  /** The text each token adds, or null when the tokenizer is unavailable. */
  async pieces(ids: number[]): Promise<string[] | null> {
    if (!this.ready || !(await this.ready)) return null;
    const reply = await this.send({ kind: 'pieces', ids });
    if (!reply.ok) this.lastError = reply.error;
    return reply.ok && reply.pieces ? reply.pieces : null;
  }

  /** Benchmark prompts as token ids (chat template, capped at `maxTokens`), exactly as the harness prepares them. */
  async prepare(prompts: BenchPrompt[], maxTokens: number): Promise<PreparedBenchPrompt[]> {
    if (!this.ready || !(await this.ready)) throw new Error(`the target's tokenizer did not load: ${this.lastError ?? 'no tokenizer'}`);
    const reply = await this.send({ kind: 'prepare', prompts, maxTokens });
    if (!reply.ok || !reply.prepared) throw new Error(`could not tokenize the prompts: ${reply.ok ? 'no reply' : reply.error}`);
    return reply.prepared;
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
    this.ready = null;
    for (const p of this.pending.values()) p.resolve({ seq: -1, ok: false, error: 'disposed' });
    this.pending.clear();
  }

  private send(msg: WithoutSeq<PiecesRequest>): Promise<PiecesReply> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      if (!this.worker) return resolve({ seq, ok: false, error: 'no worker' });
      this.pending.set(seq, { resolve });
      this.worker.postMessage({ ...msg, seq } as PiecesRequest);
    });
  }
}
