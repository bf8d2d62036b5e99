import { describe, expect, it } from 'vitest';
import { buildProfile } from '../../src/schedule/device-profile.js';
import { SpeculationControls } from '../../src/worker/speculation-controls.js';

// A flat verify curve and a free draft: every extra token pays, so only the cap limits γ.
const profile = buildProfile(
  { adapter: null, backend: 'webgpu', target: 't', draft: 'd', dtype: 'fp32/fp32' },
  [0.01, 0.01],
  Array.from({ length: 9 }, () => [20, 20]),
);

function largestGammaPlanned(controls: SpeculationControls): number {
  const { planner } = controls.plannerFor({ policy: 'adaptive', draftLength: null }, 'model');
  let largest = 0;
  for (let round = 1; round <= 60; round++) {
    const plan = planner.plan(100);
    largest = Math.max(largest, plan.gamma);
    // A perfect draft: everything accepted, fully confident.
    planner.observe({ round, drafted: plan.gamma, accepted: plan.gamma, draftMs: 0.01 * plan.gamma, verifyMs: 20, stoppedEarly: false, confidences: Array(plan.gamma).fill(1) });
  }
  return largest;
}

describe('SpeculationControls', () => {
  it('keeps adaptive within the measured curve by default (γ ≤ 8 for verify lengths 1..9)', () => {
    const controls = new SpeculationControls({}, null);
    controls.profile = profile;
    expect(largestGammaPlanned(controls)).toBe(8);
  });

  it('lets an explicit maxDraftLength go past it', () => {
    const controls = new SpeculationControls({ maxDraftLength: 12 }, null);
    controls.profile = profile;
    expect(largestGammaPlanned(controls)).toBe(12);
  });
});
