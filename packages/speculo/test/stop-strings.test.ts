import { describe, expect, it } from 'vitest';
import { StopStringMatcher } from '../src/stream/stop-strings.js';

/** Feeds deltas and returns everything shown, the flush included unless a stop string matched. */
function stream(stop: string[], deltas: string[]): { shown: string[]; stopped: boolean } {
  const matcher = new StopStringMatcher(stop);
  const shown: string[] = [];
  for (const delta of deltas) {
    const { emit, stopped } = matcher.push(delta);
    shown.push(emit);
    if (stopped) return { shown, stopped: true };
  }
  shown.push(matcher.flush());
  return { shown, stopped: false };
}

describe('StopStringMatcher', () => {
  it('passes text through when there are no stop strings', () => {
    expect(stream([], ['Hello', ' world'])).toEqual({ shown: ['Hello', ' world', ''], stopped: false });
  });

  it('stops on a match inside one delta and drops the stop string and what follows', () => {
    expect(stream(['###'], ['abc###def'])).toEqual({ shown: ['abc'], stopped: true });
  });

  it('matches a stop string split across deltas without showing any part of it', () => {
    expect(stream(['</end>'], ['The answer</', 'en', 'd> trailing'])).toEqual({
      shown: ['The answer', '', ''],
      stopped: true,
    });
  });

  it('holds back a possible prefix and releases it once it cannot be a stop string', () => {
    const matcher = new StopStringMatcher(['STOP']);
    expect(matcher.push('go ST')).toEqual({ emit: 'go ', stopped: false });
    expect(matcher.push('ILL')).toEqual({ emit: 'STILL', stopped: false });
    expect(matcher.push(' S')).toEqual({ emit: ' ', stopped: false });
    expect(matcher.flush()).toBe('S');
    expect(matcher.flush()).toBe('');
  });

  it('holds back overlapping prefixes such as "aab" in "aaab"', () => {
    const matcher = new StopStringMatcher(['aab']);
    expect(matcher.push('xaa')).toEqual({ emit: 'x', stopped: false });
    expect(matcher.push('a')).toEqual({ emit: 'a', stopped: false });
    expect(matcher.push('b!')).toEqual({ emit: '', stopped: true });
  });

  it('stops at the earliest of several stop strings', () => {
    expect(stream(['\n\n', 'User:'], ['Hi. User: more\n\n'])).toEqual({ shown: ['Hi. '], stopped: true });
    expect(stream(['User:', 'r:'], ['Use', 'r: x'])).toEqual({ shown: ['', ''], stopped: true });
  });

  it('reports no false positives for near misses', () => {
    const { shown, stopped } = stream(['<|im_end|>'], ['<|im', '_start|>user', ' <|im_en', 'd', '|']);
    expect(stopped).toBe(false);
    expect(shown.join('')).toBe('<|im_start|>user <|im_end|');
  });

  it('ignores input after stopping', () => {
    const matcher = new StopStringMatcher(['x']);
    expect(matcher.push('ax')).toEqual({ emit: 'a', stopped: true });
    expect(matcher.stopped).toBe(true);
    expect(matcher.push('more')).toEqual({ emit: '', stopped: true });
    expect(matcher.flush()).toBe('');
  });

  it('character-by-character streaming shows exactly the text before the stop string', () => {
    const text = 'one two <stop> three';
    const { shown, stopped } = stream(['<stop>', 'two!'], [...text]);
    expect(stopped).toBe(true);
    expect(shown.join('')).toBe('one two ');
  });

  it('rejects empty stop strings with a RangeError naming stop', () => {
    expect(() => new StopStringMatcher(['ok', ''])).toThrow(RangeError);
    expect(() => new StopStringMatcher([''])).toThrow(/stop/);
  });
});
