// Tokenises prompts in Node with the target's own tokenizer and chat template (the same transformers.js build the
// browser runs), so target-only and speculative runs get identical `promptIds` and long prompts can be capped.
import { AutoTokenizer, env } from '@huggingface/transformers';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelPair } from './pairs.js';
import type { TokenizerLike } from './prepare-prompt.js';

export { preparePrompt } from './prepare-prompt.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const fixturesDir = process.env.SPECULO_FIXTURES_DIR ?? join(repoRoot, '.fixtures', 'models');

export async function loadTokenizer(pair: ModelPair): Promise<TokenizerLike> {
  if (pair.source === 'local') {
    env.allowLocalModels = true;
    env.localModelPath = fixturesDir.endsWith('/') ? fixturesDir : `${fixturesDir}/`;
    env.allowRemoteModels = false;
  } else {
    env.allowRemoteModels = true;
  }
  return (await AutoTokenizer.from_pretrained(pair.target)) as unknown as TokenizerLike;
}
