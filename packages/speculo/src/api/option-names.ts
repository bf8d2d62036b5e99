/**
 * Checks that an options object holds only names the library knows, and only values that can cross into the
 * engine's worker. A misspelt option (`maxNewToken`, `temprature`) would otherwise be dropped without a word and
 * the call would run with the default; a function would fail later with the browser's bare `DataCloneError`.
 */

/**
 * The list of an options type's keys, checked against the type: a key missing from the list, or a name that is
 * not a key, fails to compile, so the list cannot drift from the interface it guards.
 */
export function keysOf<T>() {
  return <const Names extends readonly (keyof T & string)[]>(
    names: Names & (Exclude<keyof T, Names[number]> extends never ? unknown : { missing: Exclude<keyof T, Names[number]> }),
  ): readonly string[] => names;
}

/** @throws {TypeError} unless `options` is a plain object, showing `example` of what is expected. */
export function assertOptionsObject(options: unknown, where: string, example: string): asserts options is object {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${where} must be an object such as ${example}, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
}

/**
 * @throws {RangeError} naming the first unknown key of `options`, the closest known name when one is near, and
 * every known name otherwise. `where` says whose options these are, e.g. `generate options`.
 */
export function assertKnownKeys(options: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const closest = closestName(key, known);
    const hint = closest ? `did you mean "${closest}"?` : `the known ones are ${known.join(', ')}`;
    throw new RangeError(`unknown option "${key}" in ${where}: ${hint}`);
  }
}

/**
 * The known name nearest to `name` by edit distance (case-insensitive, a swap of neighbours counts once), if it
 * is near enough to be a typo: at most a third of the longer name's length, and at least 2 edits are allowed.
 */
export function closestName(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    const allowed = Math.max(2, Math.floor(Math.max(name.length, candidate.length) / 3));
    if (distance <= allowed && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = value;
    }
  }
  return d[rows * cols - 1]!;
}

/**
 * @throws {TypeError} naming the first value inside `value` that structured cloning cannot carry to the worker (a
 * function or a symbol), as `path.to.it`.
 */
export function assertCloneable(value: unknown, path: string): void {
  walk(value, path, new Set());
}

function walk(value: unknown, path: string, seen: Set<object>): void {
  if (typeof value === 'function') {
    throw new TypeError(`${path} is a function, which cannot be sent to the engine's worker: pass plain data (strings, numbers, booleans, arrays, objects)`);
  }
  if (typeof value === 'symbol') throw new TypeError(`${path} is a symbol, which cannot be sent to the engine's worker: pass plain data`);
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${path}[${i}]`, seen));
    return;
  }
  // Typed arrays, dates and the like clone as they are; their elements need no walk.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Date) return;
  if (value instanceof Map) {
    for (const [key, item] of value) {
      walk(key, `${path} key`, seen);
      walk(item, `${path}.get(${JSON.stringify(key) ?? String(key)})`, seen);
    }
    return;
  }
  if (value instanceof Set) {
    for (const item of value) walk(item, `${path} item`, seen);
    return;
  }
  for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`, seen);
}
