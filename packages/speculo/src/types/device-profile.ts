/** A device profile: what the draft and the target cost on one device, as measured, stored and exported. */

/** The GPU adapter a profile was measured on, as `GPUAdapterInfo` reports it; null on the WASM backend. */
export interface AdapterIdentity {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

/** Everything a profile's timings depend on: the same key on another visit reuses the measurement. */
export interface DeviceProfileKey {
  adapter: AdapterIdentity | null;
  backend: 'webgpu' | 'wasm';
  /** Target model id. */
  target: string;
  /** Draft model id. */
  draft: string;
  dtype: string;
}

/**
 * How long the draft and the target take on one device. Serialisable as JSON so it can be stored, exported and
 * imported; validate imports with `parseDeviceProfile`.
 */
export interface DeviceProfile {
  version: 1;
  /** `profileKeyId` of `key`. */
  id: string;
  key: DeviceProfileKey;
  /** ISO 8601 time of the measurement. */
  createdAt: string;
  /** One draft forward step, in ms; 0 for a drafter that runs no model. */
  draftStepMs: number;
  /**
   * The target's cost curve: index k is the latency of one target pass scoring k + 1 tokens, for k = 0..K.
   * Non-decreasing, and at least two points so the curve has a slope.
   */
  targetVerifyMs: number[];
  /** Timed runs behind each point: the fewest over all measured points, so it never overstates the evidence. */
  samples: number;
}
