// The last line of defence against arithmetic that escaped the schema's ranges and normalisation:
// a solver answer holding NaN or ±Infinity must not reach the serialiser (a 500) nor the cache
// (JSON writes null, so the cached answer would differ from the computed one).

/** True when every number in `value` (nested in arrays and plain objects) is finite. */
function allFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!allFinite(item)) return false;
    return true;
  }
  for (const key in value) if (!allFinite((value as Record<string, unknown>)[key])) return false;
  return true;
}

/** Path of the first non-finite number, walked only once one is known to exist. */
function pathOfFirst(value: unknown, path: string): { path: string; value: number } | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path, value };
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = allFinite(value[i]) ? null : pathOfFirst(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    const found = allFinite(item) ? null : pathOfFirst(item, path === '' ? key : `${path}.${key}`);
    if (found) return found;
  }
  return null;
}

/**
 * The first non-finite number in `value` and its JSON path (allocations[2].delayS.uplink), or null.
 * Answers are a few levels deep, so recursion is safe; paths are built only on failure, so a
 * 10,000-device answer costs one pass over its numbers.
 */
export function firstNonFinite(value: unknown): { path: string; value: number } | null {
  return allFinite(value) ? null : pathOfFirst(value, '');
}
