/** The draft-length schedule: device profiles, online estimates, the γ optimiser, early stop, fallback, policies. */
export * from './device-profile.js';
export * from './cost-model.js';
export * from './acceptance-estimator.js';
export * from './gamma-optimizer.js';
export * from './early-stop.js';
export * from './fallback.js';
export * from './policies.js';
export { isotonicNonDecreasing } from './isotonic.js';
