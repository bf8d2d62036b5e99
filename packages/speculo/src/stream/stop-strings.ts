/** Result of feeding one text delta to a {@link StopStringMatcher}. */
export interface StopStringPush {
  /** Text that is safe to show now. */
  emit: string;
  /** True once a stop string has matched; everything from the stop string on is dropped. */
  stopped: boolean;
}

/**
 * Validates a `stop` option: an array of non-empty strings. An empty stop string would match at once and end
 * every generation before its first character, which is never what the caller meant.
 */
export function assertStopStrings(stop: unknown): asserts stop is string[] {
  if (!Array.isArray(stop)) {
    throw new TypeError(`stop must be an array of strings, got ${describe(stop)}`);
  }
  stop.forEach((entry, i) => {
    if (typeof entry !== 'string') {
      throw new TypeError(`stop[${i}] must be a string, got ${describe(entry)}`);
    }
    if (entry.length === 0) {
      throw new RangeError(`stop[${i}] is an empty string; every stop string must be non-empty`);
    }
  });
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
}

/**
 * Finds stop strings in streamed text. Text that could still turn out to be the beginning of a stop string is
 * held back until the next delta decides it, so a stream never shows part of a stop string, and the stop
 * string itself is never shown. Detokenised deltas can split a stop string anywhere, hence the buffering.
 */
export class StopStringMatcher {
  private readonly stops: readonly string[];
  private held = '';
  private stoppedAlready = false;

  constructor(stop: readonly string[]) {
    assertStopStrings(stop);
    this.stops = [...stop];
  }

  /** True once a stop string has matched. */
  get stopped(): boolean {
    return this.stoppedAlready;
  }

  /** Feeds the next piece of generated text. After a match, further input is ignored. */
  push(textDelta: string): StopStringPush {
    if (this.stoppedAlready) return { emit: '', stopped: true };
    const text = this.held + textDelta;

    const matchAt = this.earliestMatch(text);
    if (matchAt >= 0) {
      this.held = '';
      this.stoppedAlready = true;
      return { emit: text.slice(0, matchAt), stopped: true };
    }

    const holdFrom = text.length - this.longestSuffixStartingAStop(text);
    this.held = text.slice(holdFrom);
    return { emit: text.slice(0, holdFrom), stopped: false };
  }

  /** Ends the stream: returns the held-back text, which can no longer become a stop string. */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return rest;
  }

  private earliestMatch(text: string): number {
    let earliest = -1;
    for (const stop of this.stops) {
      const at = text.indexOf(stop);
      if (at >= 0 && (earliest < 0 || at < earliest)) earliest = at;
    }
    return earliest;
  }

  // Any partial stop string at the end lies inside the longest such suffix, so holding that one is enough.
  private longestSuffixStartingAStop(text: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      const maxLength = Math.min(stop.length - 1, text.length);
      for (let length = maxLength; length > longest; length--) {
        if (text.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
