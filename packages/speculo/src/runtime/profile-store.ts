import type { DeviceProfile } from '../schedule/device-profile.js';
import { parseDeviceProfile } from '../schedule/device-profile.js';

const databaseName = 'speculo';
const storeName = 'device-profiles';

/**
 * Device profiles in IndexedDB, keyed by profile id, so a visitor's GPU is measured once per model pair. Where
 * IndexedDB is missing or refuses (private mode, Node), profiles simply are not kept.
 */
export class ProfileStore {
  private database: Promise<IDBDatabase | null> | null = null;

  async get(id: string): Promise<DeviceProfile | null> {
    const db = await this.open();
    if (!db) return null;
    const raw = await request<unknown>(db.transaction(storeName, 'readonly').objectStore(storeName).get(id)).catch(() => undefined);
    if (raw === undefined) return null;
    try {
      return parseDeviceProfile(raw);
    } catch {
      // A profile written by an older version, or damaged: measuring again is cheap.
      return null;
    }
  }

  async put(profile: DeviceProfile): Promise<void> {
    const db = await this.open();
    if (!db) return;
    await request(db.transaction(storeName, 'readwrite').objectStore(storeName).put(profile)).catch(() => undefined);
  }

  close(): void {
    void this.database?.then((db) => db?.close());
    this.database = null;
  }

  private open(): Promise<IDBDatabase | null> {
    this.database ??= new Promise((resolve) => {
      if (typeof indexedDB === 'undefined') return resolve(null);
      const opening = indexedDB.open(databaseName, 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore(storeName, { keyPath: 'id' });
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => resolve(null);
      opening.onblocked = () => resolve(null);
    });
    return this.database;
  }
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}
