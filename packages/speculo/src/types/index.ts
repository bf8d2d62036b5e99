/**
 * The library's public data types, in one place and on the lowest floor: every other folder may import them, and
 * they import nothing outside this folder.
 */
export type * from './chat-completions.js';
export type * from './device-profile.js';
export type * from './engine.js';
export type * from './generation.js';
export type * from './guardrail.js';
export type * from './options.js';
export type * from './round.js';
export type * from './telemetry.js';
export type * from './trace.js';
export { traceSchemaVersion } from './trace.js';
