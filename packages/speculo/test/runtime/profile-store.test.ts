import type { DeviceProfileKey } from '../../src/types/index.js';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { ProfileStore } from '../../src/runtime/profile-store.js';
import { buildProfile } from '../../src/schedule/device-profile.js';

const key: DeviceProfileKey = { adapter: null, backend: 'wasm', target: 'org/target', draft: 'org/draft', dtype: 'fp32/fp32' };
const profile = buildProfile(
  key,
  [1, 1, 1],
  [
    [5, 5],
    [6, 6],
    [7, 7],
  ],
  new Date('2026-01-02T03:04:05Z'),
);

/** An IndexedDB whose open request never answers: no success, error, blocked or upgrade event, ever. */
function silentFactory(): IDBFactory {
  return { open: () => ({}) as IDBOpenDBRequest } as unknown as IDBFactory;
}

describe('ProfileStore', () => {
  it('stores a profile and reads it back from a second connection', async () => {
    const factory = new IDBFactory();
    const writer = new ProfileStore({ factory });
    expect(await writer.get(profile.id)).toBeNull();
    expect(await writer.put(profile)).toBe(true);
    writer.close();
    const reader = new ProfileStore({ factory });
    expect(await reader.get(profile.id)).toEqual(profile);
    reader.close();
  });

  it('treats a damaged stored profile as absent', async () => {
    const factory = new IDBFactory();
    const store = new ProfileStore({ factory });
    expect(await store.put({ ...profile, targetVerifyMs: [7, 5] })).toBe(true);
    expect(await store.get(profile.id)).toBeNull();
    store.close();
  });

  it('gives up on an IndexedDB that never answers instead of hanging, and does not wait again', async () => {
    const store = new ProfileStore({ factory: silentFactory(), timeoutMs: 50 });
    const started = performance.now();
    expect(await store.get(profile.id)).toBeNull();
    expect(await store.put(profile)).toBe(false);
    // The second call reuses the failed open: it costs one timeout in all, not one per call.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('gives up on a transaction that never completes', async () => {
    const factory = new IDBFactory();
    const real = new ProfileStore({ factory });
    await real.put(profile);
    real.close();
    const stalled = new ProfileStore({ factory, timeoutMs: 50 });
    // Reach the connection the store opens and stall every transaction it starts.
    const originalOpen = factory.open.bind(factory);
    factory.open = (name: string, version?: number) => {
      const opening = originalOpen(name, version);
      opening.addEventListener('success', () => {
        const db = opening.result;
        db.transaction = (() => ({ objectStore: () => ({ get: () => ({}), put: () => undefined }) })) as unknown as IDBDatabase['transaction'];
      });
      return opening;
    };
    expect(await stalled.get(profile.id)).toBeNull();
    expect(await stalled.put(profile)).toBe(false);
  });

  it('keeps nothing where IndexedDB is missing or throws', async () => {
    expect(await new ProfileStore({ factory: null }).get(profile.id)).toBeNull();
    expect(await new ProfileStore({ factory: null }).put(profile)).toBe(false);
    const throwing = {
      open: () => {
        throw new DOMException('denied', 'SecurityError');
      },
    } as unknown as IDBFactory;
    expect(await new ProfileStore({ factory: throwing }).put(profile)).toBe(false);
  });
});
