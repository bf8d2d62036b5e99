import { describe, expect, it } from 'vitest';
import { FallbackController } from '../../src/schedule/fallback.js';

/** Feeds `rounds` observations of the same projected speedup. */
function feed(controller: FallbackController, speedup: number, rounds: number): void {
  for (let i = 0; i < rounds; i++) controller.observe(speedup);
}

/** Runs target-only rounds until the controller starts probing; returns how many it took. */
function roundsUntilProbe(controller: FallbackController): number {
  let rounds = 0;
  while (controller.state === 'fallback') {
    expect(controller.nextMode()).toBe('target-only');
    controller.observe(0.5);
    rounds++;
  }
  expect(controller.state).toBe('probing');
  return rounds;
}

describe('FallbackController', () => {
  it('falls back only after consecutive losing rounds', () => {
    const controller = new FallbackController();
    expect(controller.nextMode()).toBe('speculate');
    feed(controller, 0.9, 5);
    controller.observe(1.0);
    feed(controller, 0.9, 5);
    expect(controller.state).toBe('speculating');
    controller.observe(0.9);
    expect(controller.state).toBe('fallback');
    expect(controller.nextMode()).toBe('target-only');
  });

  it('probes with exponential backoff while probes fail, up to the cap', () => {
    const controller = new FallbackController({ initialProbeInterval: 8, maxProbeInterval: 32, probeRounds: 3 });
    feed(controller, 0.5, 6);
    const waits: number[] = [];
    for (let probe = 0; probe < 5; probe++) {
      waits.push(roundsUntilProbe(controller));
      expect(controller.nextMode()).toBe('probe');
      feed(controller, 0.8, 2);
      expect(controller.state).toBe('probing');
      controller.observe(0.8);
      expect(controller.state).toBe('fallback');
    }
    expect(waits).toEqual([8, 16, 32, 32, 32]);
  });

  it('resumes after a probe that clears the exit bar, and resets the backoff', () => {
    const controller = new FallbackController({ initialProbeInterval: 4, probeRounds: 2 });
    feed(controller, 0.5, 6);
    roundsUntilProbe(controller);
    feed(controller, 0.8, 2);
    expect(controller.probeInterval).toBe(8);
    roundsUntilProbe(controller);
    feed(controller, 1.2, 2);
    expect(controller.state).toBe('speculating');
    expect(controller.probeInterval).toBe(4);
  });

  it('ends a probe after probeRounds when its verdict is clear either way', () => {
    const controller = new FallbackController({ initialProbeInterval: 1, probeRounds: 2, maxProbeRounds: 10 });
    feed(controller, 0.5, 6);
    roundsUntilProbe(controller);
    feed(controller, 0.9, 2);
    expect(controller.state).toBe('fallback');
    roundsUntilProbe(controller);
    feed(controller, 1.05, 2);
    expect(controller.state).toBe('speculating');
  });

  it('keeps probing while undecided, then resumes only at break-even or better (hysteresis on the way in)', () => {
    const controller = new FallbackController({ initialProbeInterval: 1, probeRounds: 2, maxProbeRounds: 10 });
    feed(controller, 0.5, 6);
    roundsUntilProbe(controller);
    // 0.98 is inside the undecided band [0.95, 1.05): the probe runs to its longest, then gives up.
    feed(controller, 0.98, 9);
    expect(controller.state).toBe('probing');
    controller.observe(0.98);
    expect(controller.state).toBe('fallback');
    roundsUntilProbe(controller);
    // 1.02 is undecided too, but at the end of the longest probe it pays: resume.
    feed(controller, 1.02, 9);
    expect(controller.state).toBe('probing');
    controller.observe(1.02);
    expect(controller.state).toBe('speculating');
    // Falling back again still needs a projection under break-even, round after round.
    feed(controller, 0.99, 5);
    expect(controller.state).toBe('speculating');
  });

  it('rejects inconsistent settings', () => {
    expect(() => new FallbackController({ enterBelow: 1.1, exitAbove: 1 })).toThrow(RangeError);
    expect(() => new FallbackController({ initialProbeInterval: 64, maxProbeInterval: 8 })).toThrow(RangeError);
    expect(() => new FallbackController({ probeRounds: 0 })).toThrow(RangeError);
    expect(() => new FallbackController({ probeRounds: 8, maxProbeRounds: 4 })).toThrow(RangeError);
    expect(() => new FallbackController({ undecidedMargin: -0.1 })).toThrow(RangeError);
  });
});
