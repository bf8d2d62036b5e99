import type { DeviceProfile } from '../types/index.js';
import { parseDeviceProfile } from '../schedule/device-profile.js';

const databaseName = 'speculo';
const storeName = 'device-profiles';

export interface ProfileStoreOptions {
  /** Defaults to the global `indexedDB`; absent (Node) means profiles are not kept. */
  factory?: IDBFactory | null;
  /**
   * How long one IndexedDB operation may take before the store gives up on it. Browsers occasionally leave an
   * open or a transaction unanswered; a cached profile is an optimisation, so it must never hold up loading.
   */
  timeoutMs?: number;
}

/**
 * Device profiles in IndexedDB, keyed by profile id, so a visitor's GPU is measured once per model pair. Where
 * IndexedDB is missing, refuses (private mode) or does not answer in time, profiles simply are not kept.
 */
export class ProfileStore {
  private database: Promise<IDBDatabase | null> | null = null;
  private readonly factory: IDBFactory | null;
  private readonly timeoutMs: number;

  constructor(options: ProfileStoreOptions = {}) {
    this.factory = options.factory !== undefined ? options.factory : typeof indexedDB === 'undefined' ? null : indexedDB;
    this.timeoutMs = options.timeoutMs ?? 3000;
  }

  async get(id: string): Promise<DeviceProfile | null> {
    const db = await this.open();
    if (!db) return null;
    const raw = await this.settle(() => request<unknown>(db.transaction(storeName, 'readonly').objectStore(storeName).get(id)));
    if (raw === undefined) return null;
    try {
      return parseDeviceProfile(raw);
    } catch {
      // A profile written by an older version, or damaged: measuring again is cheap.
      return null;
    }
  }

  /** Stores the profile; resolves true once it is committed, false where it could not be kept. */
  async put(profile: DeviceProfile): Promise<boolean> {
    const db = await this.open();
    if (!db) return false;
    return (
      (await this.settle(() => {
        const transaction = db.transaction(storeName, 'readwrite');
        transaction.objectStore(storeName).put(profile);
        return committed(transaction);
      })) === true
    );
  }

  close(): void {
    void this.database?.then((db) => db?.close());
    this.database = null;
  }

  private open(): Promise<IDBDatabase | null> {
    if (!this.database) {
      const opening = openDatabase(this.factory);
      // Unavailable or unanswered: the engine stops asking for its life rather than wait on every call, and a
      // connection that arrives after the timeout is closed instead of leaked.
      this.database = this.settle(() => opening).then((db) => {
        if (db === undefined) void opening.then((late) => late?.close());
        return db ?? null;
      });
    }
    return this.database;
  }

  /** Runs an IndexedDB operation, resolving undefined if it fails, throws or outlives the timeout. */
  private settle<T>(operation: () => Promise<T>): Promise<T | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), this.timeoutMs);
      const finish = (value: T | undefined) => {
        clearTimeout(timer);
        resolve(value);
      };
      try {
        operation().then(finish, () => finish(undefined));
      } catch {
        finish(undefined);
      }
    });
  }
}

function openDatabase(factory: IDBFactory | null): Promise<IDBDatabase | null> {
  return new Promise((resolve) => {
    if (!factory) return resolve(null);
    let opening: IDBOpenDBRequest;
    try {
      opening = factory.open(databaseName, 1);
    } catch {
      // Opaque origins and some privacy modes throw SecurityError instead of failing the request.
      return resolve(null);
    }
    opening.onupgradeneeded = () => opening.result.createObjectStore(storeName, { keyPath: 'id' });
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => resolve(null);
    opening.onblocked = () => resolve(null);
  });
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new DOMException('The IndexedDB request failed.', 'UnknownError'));
  });
}

function committed(transaction: IDBTransaction): Promise<true> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve(true);
    transaction.onerror = () => reject(transaction.error ?? new DOMException('The IndexedDB transaction failed.', 'UnknownError'));
    // error is null when the transaction was aborted by abort().
    transaction.onabort = () => reject(transaction.error ?? new DOMException('The IndexedDB transaction was aborted.', 'AbortError'));
  });
}
