import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';

/** Folder the fixture generator writes to (`npm run fixtures`). */
export const fixturesDir = process.env.SPECULO_FIXTURES_DIR ?? join(import.meta.dirname, '..', '..', '.fixtures', 'models');

ort.env.wasm.numThreads = 1;
const sessions = new Map<string, Promise<ort.InferenceSession>>();

function session(model: string): Promise<ort.InferenceSession> {
  let s = sessions.get(model);
  if (!s) {
    s = ort.InferenceSession.create(readFileSync(join(fixturesDir, model, 'onnx', 'model.onnx')));
    sessions.set(model, s);
  }
  return s;
}

/**
 * Greedy decoding in Node with no KV cache at all: every step re-reads the whole sequence. It shares nothing with
 * the browser code paths under test (cache handling, rollback, verification), so it is an independent oracle.
 */
export async function referenceGreedy(model: string, promptIds: number[], maxNewTokens: number, eosIds: number[]): Promise<number[]> {
  const s = await session(model);
  const cacheInputs = s.inputNames.filter((n) => n.startsWith('past_key_values.'));
  const meta = new Map(s.inputMetadata.map((m) => [m.name, m]));
  const ids = [...promptIds];
  const out: number[] = [];
  for (let step = 0; step < maxNewTokens; step++) {
    const n = ids.length;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
      position_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
        [1, n],
      ),
    };
    for (const name of cacheInputs) {
      const shape = (meta.get(name) as unknown as { shape: readonly (number | string)[] }).shape;
      feeds[name] = new ort.Tensor('float32', new Float32Array(0), [1, shape[1] as number, 0, shape[3] as number]);
    }
    const result = await s.run(feeds);
    const logits = result['logits']!;
    const vocab = logits.dims[2]!;
    const row = (logits.data as Float32Array).subarray((n - 1) * vocab, n * vocab);
    let best = 0;
    for (let i = 1; i < vocab; i++) if (row[i]! > row[best]!) best = i;
    out.push(best);
    ids.push(best);
    if (eosIds.includes(best)) break;
  }
  return out;
}

/** EOS ids of a fixture, from its generation_config.json. */
export function fixtureEosIds(model: string): number[] {
  const config = JSON.parse(readFileSync(join(fixturesDir, model, 'generation_config.json'), 'utf8')) as { eos_token_id: number | number[] };
  return ([] as number[]).concat(config.eos_token_id);
}
