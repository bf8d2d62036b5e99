export type { SpeculationOptions } from '../types/index.js';
/**
 * `speculo/ai-sdk`: a provider for the Vercel AI SDK (`ai` 7, language model specification v4 of
 * `@ai-sdk/provider` 4). It imports only types from `@ai-sdk/provider`, so apps pay for it only when they import it.
 */
export { createSpeculoProvider, speculo, type SpeculoProvider } from './provider.js';
export { SpeculoLanguageModel } from './language-model.js';
export type { StreamingEngine } from '../client/engine-stream.js';
