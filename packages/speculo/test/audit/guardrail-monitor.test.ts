import { describe, expect, it } from 'vitest';
import { parseGuardrailConfig, type GuardrailAction } from '../../src/guard/guardrail-config.js';
import { GuardrailMonitor, type GuardrailEvent } from '../../src/guard/guardrail-monitor.js';

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
    events.push(...monitor.observe({ round: firstRound + i, drafted: 4, accepted, projectedSpeedup: speedup }));
  }
  return events;
}

describe('GuardrailMonitor', () => {
  it('stays quiet with a good draft and while the window is still filling', () => {
    const monitor = monitorWith('warn');
    expect(feed(monitor, 3, 0)).toEqual([]);
    expect(monitor.windowRate).toBe(0);
    const good = monitorWith('warn');
    expect(feed(good, 50, 3)).toEqual([]);
    expect(good.state).toBe('normal');
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
    expect(monitor.state).toBe('normal');
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
    const breach = feed(monitor, 4, 1);
    expect(breach.map((event) => event.type)).toEqual(['acceptance-drift', 'fallback']);
    expect(breach[1]).toMatchObject({ type: 'fallback', round: 4 });
    expect(monitor.state).toBe('fallback');

    // Target-only rounds draft nothing; a probe is wanted every third round.
    const probes: number[] = [];
    const events: GuardrailEvent[] = [];
    for (let round = 5; round <= 40 && monitor.state === 'fallback'; round++) {
      if (monitor.wantsProbe()) {
        probes.push(round);
        events.push(...monitor.observe({ round, drafted: 4, accepted: 4, projectedSpeedup: null }));
      } else {
        events.push(...monitor.observe({ round, drafted: 0, accepted: 0, projectedSpeedup: null }));
      }
    }
    expect(probes).toEqual([7, 10]);
    expect(events).toEqual([{ type: 'recovered', round: 10, windowRate: 1 }]);
    expect(monitor.state).toBe('normal');
    expect(monitor.wantsProbe()).toBe(false);
  });

  it('stays in fallback while probes keep failing', () => {
    const monitor = monitorWith('fallback');
    feed(monitor, 4, 0);
    for (let round = 5; round < 50; round++) {
      const drafted = monitor.wantsProbe() ? 4 : 0;
      expect(monitor.observe({ round, drafted, accepted: drafted > 0 ? 1 : 0, projectedSpeedup: null })).toEqual([]);
    }
    expect(monitor.state).toBe('fallback');
  });

  it('raises abort with the abort action, and judges the next generation on a fresh window', () => {
    const monitor = monitorWith('abort');
    const events = feed(monitor, 4, 0);
    expect(events.map((event) => event.type)).toEqual(['acceptance-drift', 'abort']);
    expect(events[1]).toMatchObject({ type: 'abort', round: 4 });
    expect(monitor.state).toBe('normal');
    expect(feed(monitor, 3, 0)).toEqual([]);
    expect(feed(monitor, 1, 0).map((event) => event.type)).toEqual(['acceptance-drift', 'abort']);
  });

  it('checks the projected speed-up when configured', () => {
    const monitor = monitorWith('warn', { minProjectedSpeedup: { value: 1.2, action: 'fallback' } });
    expect(feed(monitor, 4, 4, 1, 1.5)).toEqual([]);
    const events = feed(monitor, 4, 4, 5, 0.9);
    expect(events.map((event) => event.type)).toEqual(['low-speedup', 'fallback']);
    expect(events[0]).toMatchObject({ minimum: 1.2, action: 'fallback' });
    expect(monitor.state).toBe('fallback');
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
    expect(() => monitor.observe({ round: 1, drafted: 2, accepted: 3, projectedSpeedup: null })).toThrow(RangeError);
  });
});
