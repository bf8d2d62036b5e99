import { describe, expect, it } from 'vitest';
import { Progress, eta, formatDuration, renderBar } from '../progress.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, columns: 120, chunks, write: (c: string) => chunks.push(c) };
}

describe('progress', () => {
  it('formats durations and estimates the time left from the mean so far', () => {
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(185_000)).toBe('3m05s');
    expect(formatDuration(3_720_000)).toBe('1h02m');
    expect(eta(0, 10, 1000)).toBeNull();
    expect(eta(2, 10, 1000)).toBe(4000);
    expect(renderBar(1, 4, 8)).toBe('[##------]');
  });
  it('prints plain lines when not a terminal', () => {
    let t = 0;
    const s = stream(false);
    const p = new Progress(4, s, () => t);
    p.status('loading');
    expect(s.chunks).toEqual([]);
    t = 10_000;
    p.tick('p1 done');
    expect(s.chunks).toEqual(['1/4 prompts (25%) elapsed 10s ETA 30s  p1 done\n']);
    p.tick('skipped', 10);
    expect(s.chunks[1]).toMatch(/^4\/4 prompts \(100%\)/);
  });
  it('redraws one line on a terminal and keeps logs above the bar', () => {
    const s = stream(true);
    const p = new Progress(2, s, () => 0);
    p.status('warm-up');
    p.log('hello');
    p.tick();
    p.finish();
    const out = s.chunks.join('');
    expect(out).toContain('\r\x1b[2K[');
    expect(out).toContain('hello\n');
    expect(out).toContain('1/2 prompts');
    expect(out.endsWith('\n')).toBe(true);
  });
});
