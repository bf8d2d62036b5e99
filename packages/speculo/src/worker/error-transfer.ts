import { transferHandlers, type TransferHandler } from 'comlink';
import { deserializeError, serializeError, type SerializedError } from '../errors.js';

const throwMarker = Symbol.for('speculo.error-transfer-installed');

/**
 * Comlink sends only an error's message and name across the worker boundary; this handler sends the typed
 * fields too (code, differences, file, …) so that the page receives the same error class the worker threw.
 * Call it on both sides before the first message.
 */
export function installErrorTransfer(): void {
  const registry = globalThis as unknown as Record<symbol, boolean>;
  if (registry[throwMarker]) return;
  registry[throwMarker] = true;
  const original = transferHandlers.get('throw')!;
  // Serialized: { speculo: SerializedError } for an Error, else whatever comlink's own handler makes.
  const handler: TransferHandler<{ value: unknown }, unknown> = {
    canHandle: (value: unknown): value is { value: unknown } => original.canHandle(value),
    serialize({ value }) {
      if (value instanceof Error || value instanceof DOMException) return [{ speculo: serializeError(value) }, []];
      return original.serialize({ value } as never);
    },
    deserialize(serialized) {
      if (serialized && typeof serialized === 'object' && 'speculo' in serialized) {
        throw deserializeError((serialized as { speculo: SerializedError }).speculo);
      }
      return original.deserialize(serialized as never) as never;
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
}
