// The last line of defence against arithmetic that escaped the schema's ranges and normalisation:
// a solver answer holding NaN or ±Infinity must not reach the serialiser (a 500) nor the cache
// (JSON writes null, so the cached answer would differ from the computed one).

/** The first non-finite number in `value` and its JSON path (allocations[2].delayS.uplink), or null. */
export function firstNonFinite(value: unknown): { path: string; value: number } | null {
  const stack: { v: unknown; path: string }[] = [{ v: value, path: '' }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path, value: v };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: `${path}[${i}]` });
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push({ v: (v as Record<string, unknown>)[keys[i]], path: path === '' ? keys[i] : `${path}.${keys[i]}` });
      }
    }
  }
  return null;
}
