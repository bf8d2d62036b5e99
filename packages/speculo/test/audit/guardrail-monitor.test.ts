import { describe, expect, it } from 'vitest';
import { parseGuardrailConfig } from '../../src/guard/guardrail-config.js';
import { GuardrailMonitor } from '../../src/guard/guardrail-monitor.js';
import { FallbackController } from '../../src/schedule/fallback.js';
import { createStaticPolicy } from '../../src/schedule/policies.js';
import { RoundController } from '../../src/schedule/speculation-controller.js';
import type { GuardrailAction, GuardrailEvent, RoundPlan } from '../../src/types/index.js';
import { reportOf } from '../schedule/synthetic.js';

function monitorWith(action: GuardrailAction, extra: Record<string, unknown> = {}): GuardrailMonitor {
  return new GuardrailMonitor(
    parseGuardrailConfig({
      version: '1.0.0',
      acceptanceFloor: { rate: 0.5, windowRounds: 4, action },
      maxDraftLength: 6,
      recovery: { rate: 0.6, windowRounds: 2, probeEveryRounds: 3 },
      ...extra,
    }),
  );
}

/** Feeds `count` rounds of γ = 4 with `accepted` accepted each; returns the events with the round they came at. */
function feed(monitor: GuardrailMonitor, count: number, accepted: number, firstRound = 1, speedup: number | null = null): GuardrailEvent[] {
  const events: GuardrailEvent[] = [];
  for (let i = 0; i < count; i++) {
    events.push(...monitor.observe({ round: firstRound + i, drafted: 4, accepted, projectedSpeedup: speedup }, 'speculating'));
  }
  return events;
}

/**
 * The monitor as the decoder runs it: inside a round controller (static γ = 4) whose mode state takes the monitor's
 * fallback and recovery, probing every `probeEveryRounds`.
 */
function guarded(monitor: GuardrailMonitor) {
  const mode = new FallbackController({ acceptanceProbeInterval: monitor.roundsBetweenProbes });
  const controller = new RoundController(createStaticPolicy(4), mode, monitor);
  /** Plans round `round`, drafts what it plans, and has `accepted` of the drafts (at most all) accepted. */
  const step = (round: number, accepted: number): { plan: RoundPlan; events: GuardrailEvent[] } => {
    const plan = controller.plan();
    const events = controller.observeRound(reportOf(plan, { round, drafted: plan.gamma, accepted: Math.min(accepted, plan.gamma) }));
    return { plan, events };
  };
  /** `count` rounds from `firstRound`; returns their events. */
  const run = (firstRound: number, count: number, accepted: number): GuardrailEvent[] => Array.from({ length: count }, (_, i) => step(firstRound + i, accepted).events).flat();
  return { controller, mode, step, run };
}

describe('GuardrailMonitor', () => {
  it('stays quiet with a good draft and while the window is still filling', () => {
    const monitor = monitorWith('warn');
    expect(feed(monitor, 3, 0)).toEqual([]);
    expect(monitor.windowRate).toBe(0);
    const good = monitorWith('warn');
    expect(feed(good, 50, 3)).toEqual([]);
    expect(good.windowRate).toBe(0.75);
  });

  it('fires acceptance-drift when a useless draft replaces a good one, across generations of one engine', () => {
    const monitor = monitorWith('warn');
    // First generation: the draft agrees with the target on nearly everything.
    expect(feed(monitor, 6, 4)).toEqual([]);
    // Second generation (round numbers restart): the draft has become useless. After two bad rounds the window
    // holds 8/16 = 0.5, exactly the floor; the third bad round takes it to 4/16.
    expect(feed(monitor, 2, 0)).toEqual([]);
    const events = feed(monitor, 1, 0, 3);
    expect(events).toEqual([{ type: 'acceptance-drift', round: 3, windowRate: 0.25, floor: 0.5, action: 'warn' }]);
  });

  it('warns once per breach and reports recovery', () => {
    const monitor = monitorWith('warn');
    const bad = feed(monitor, 10, 0);
    expect(bad.map((event) => event.type)).toEqual(['acceptance-drift']);
    // Recovery needs ≥ 0.6 over the window: 4/4 rounds push it there after three of them (12/16).
    const back = feed(monitor, 4, 4, 11);
    expect(back).toEqual([{ type: 'recovered', round: 13, windowRate: 0.75 }]);
    expect(feed(monitor, 10, 0, 15).map((event) => event.type)).toEqual(['acceptance-drift']);
  });

  it('falls back to target-only, probes, and recovers', () => {
    const monitor = monitorWith('fallback');
    const { controller, mode, step, run } = guarded(monitor);
    const breach = run(1, 4, 1);
    expect(breach.map((event) => event.type)).toEqual(['acceptance-drift', 'fallback']);
    expect(breach[1]).toMatchObject({ type: 'fallback', round: 4 });
    expect(mode.state).toBe('fallback');
    expect(mode.cause).toBe('acceptance');

    // Target-only rounds draft nothing; a probe comes every third round.
    const probes: number[] = [];
    const events: GuardrailEvent[] = [];
    for (let round = 5; round <= 40 && mode.state !== 'speculating'; round++) {
      const { plan, events: raised } = step(round, 4);
      if (plan.mode === 'probe') probes.push(round);
      else expect(plan).toMatchObject({ gamma: 0, mode: 'target-only' });
      events.push(...raised);
    }
    expect(probes).toEqual([7, 10]);
    expect(events).toEqual([{ type: 'recovered', round: 10, windowRate: 1 }]);
    expect(mode.state).toBe('speculating');
    expect(controller.plan().mode).toBe('speculate');
  });

  it('stays in fallback while probes keep failing', () => {
    const monitor = monitorWith('fallback');
    const { mode, step, run } = guarded(monitor);
    run(1, 4, 0);
    for (let round = 5; round < 50; round++) {
      const { plan, events } = step(round, 1);
      expect(plan.mode).not.toBe('speculate');
      expect(events).toEqual([]);
    }
    expect(mode.state).not.toBe('speculating');
    expect(mode.cause).toBe('acceptance');
  });

  it('raises abort with the abort action, and judges the next generation on a fresh window', () => {
    const monitor = monitorWith('abort');
    const events = feed(monitor, 4, 0);
    expect(events.map((event) => event.type)).toEqual(['acceptance-drift', 'abort']);
    expect(events[1]).toMatchObject({ type: 'abort', round: 4 });
    expect(monitor.windowRate).toBeNull();
    expect(feed(monitor, 3, 0)).toEqual([]);
    expect(feed(monitor, 1, 0).map((event) => event.type)).toEqual(['acceptance-drift', 'abort']);
  });

  it('checks the projected speed-up when configured', () => {
    const monitor = monitorWith('warn', { minProjectedSpeedup: { value: 1.2, action: 'fallback' } });
    expect(feed(monitor, 4, 4, 1, 1.5)).toEqual([]);
    const events = feed(monitor, 4, 4, 5, 0.9);
    expect(events.map((event) => event.type)).toEqual(['low-speedup', 'fallback']);
    expect(events[0]).toMatchObject({ minimum: 1.2, action: 'fallback' });
  });

  it('resetWindow forgets history', () => {
    const monitor = monitorWith('warn');
    feed(monitor, 3, 0);
    monitor.resetWindow();
    expect(monitor.windowRate).toBeNull();
    expect(feed(monitor, 3, 0)).toEqual([]);
  });

  it('caps γ and refuses impossible rounds', () => {
    const monitor = monitorWith('warn');
    expect(monitor.clampDraftLength(10)).toBe(6);
    expect(monitor.clampDraftLength(3)).toBe(3);
    expect(() => monitor.observe({ round: 1, drafted: 2, accepted: 3, projectedSpeedup: null }, 'speculating')).toThrow(RangeError);
    expect(monitor.roundsBetweenProbes).toBe(2);
  });
});
