import type { GenerateOptions, GenerationResult } from '../../src/types/index.js';
import { expose } from 'comlink';
import { createSpeculo, type SpeculoEngine } from '../../src/client/speculo-engine.js';
import { installErrorTransfer } from '../../src/worker/error-transfer.js';
import { OperationSlot } from '../../src/worker/operation-slot.js';
import type { WorkerEvent } from '../../src/worker/worker-engine.js';

/**
 * The page side of the engine against a scripted worker that keeps the real worker's call rules (the same
 * {@link OperationSlot}) and emits one token every few milliseconds, over a real MessageChannel through comlink.
 */
export class ScriptedWorkerEngine {
  private readonly slot = new OperationSlot();
  disposed = false;
  freed = false;

  /** The options of every generate call, as the worker received them. */
  readonly calls: GenerateOptions[] = [];

  load() {
    return { backend: 'wasm', adapter: null, target: { id: 'scripted' } };
  }

  generate(requestId: number, options: GenerateOptions, onEvent?: (event: WorkerEvent) => void) {
    this.calls.push(options);
    return this.slot.run('generate', requestId, async (claim) => {
      const tokenIds: number[] = [];
      for (let round = 1; tokenIds.length < (options.maxNewTokens ?? 8); round++) {
        await new Promise((resolve) => setTimeout(resolve, 3));
        if (claim.aborted) throw new DOMException('aborted', 'AbortError');
        tokenIds.push(round);
        onEvent?.({ type: 'token', tokenIds: [round], provenance: ['target'], text: `t${round}`, round });
      }
      const result = {
        text: tokenIds.map((t) => `t${t}`).join(''),
        tokenIds,
        provenance: tokenIds.map(() => 'target'),
        finishReason: 'max-tokens',
        metrics: { tokensPerSecond: 1 },
        promptTokens: 3,
      } as unknown as GenerationResult;
      onEvent?.({ type: 'result', result });
      return result;
    });
  }

  abort(requestId: number) {
    this.slot.abort(requestId);
  }

  recalibrate() {
    return this.slot.run('calibrate', null, async (claim) => {
      for (let step = 0; step < 10; step++) {
        await new Promise((resolve) => setTimeout(resolve, 3));
        if (claim.aborted) throw new DOMException('aborted', 'AbortError');
      }
      return { id: 'profile' };
    });
  }

  async dispose() {
    this.disposed = true;
    await this.slot.abortAllAndWait();
    this.freed = true;
  }
}

const open: { engine: SpeculoEngine; port: MessagePort }[] = [];

export async function scriptedEngine(): Promise<{ engine: SpeculoEngine; worker: ScriptedWorkerEngine }> {
  installErrorTransfer();
  const channel = new MessageChannel();
  const worker = new ScriptedWorkerEngine();
  expose(worker, channel.port2);
  const engine = await createSpeculo({ target: 'scripted', worker: channel.port1 as unknown as Worker });
  open.push({ engine, port: channel.port2 });
  return { engine, worker };
}

export async function disposeScriptedEngines(): Promise<void> {
  for (const { engine, port } of open.splice(0)) {
    await engine.dispose();
    port.close();
  }
}
