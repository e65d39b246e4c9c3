// Where a field named by a 400 (`devices[0].kappa`, the service's path style) sits in the JSON
// text the operator pasted, so the console can select it in place. A small tolerant scanner:
// it follows the path as deep as the text allows (a missing property points at its parent object)
// and never throws.

export type Segment = string | number;

/** 'devices[0].channelGains.es-1' → ['devices', 0, 'channelGains', 'es-1']; 'body' → []. */
export function parseFieldPath(field: string): Segment[] {
  if (field === '' || field === 'body') return [];
  const out: Segment[] = [];
  for (const m of field.matchAll(/\[(\d+)\]|([^.[\]]+)/g)) out.push(m[1] !== undefined ? Number(m[1]) : m[2]);
  return out;
}

export interface Span {
  start: number;
  end: number;
  /** how many segments of the path were found (== path length: the field itself) */
  depth: number;
}

/** The text span of the deepest value (or key, for a property that should not be there) on the path. */
export function locateField(text: string, field: string): Span | undefined {
  const path = parseFieldPath(field);
  let i = 0;
  let best: Span | undefined;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const str = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return text.slice(start + 1, i - 1);
    }
  };
  // Scans one value; `depth` segments of the path matched to reach it (-1: off the path).
  const value = (depth: number): void => {
    ws();
    const start = i;
    const ch = text[i];
    if (ch === '{') {
      i++;
      for (;;) {
        ws();
        if (text[i] === '}' || i >= text.length) break;
        if (text[i] !== '"') return;
        const keyStart = i;
        const key = str();
        ws();
        if (text[i] !== ':') return;
        i++;
        const onPath = depth >= 0 && depth < path.length && path[depth] === key;
        value(onPath ? depth + 1 : -1);
        // The field is a property present in the text: select `"key": value`.
        if (onPath && depth + 1 === path.length) best = { start: keyStart, end: i, depth: depth + 1 };
        ws();
        if (text[i] === ',') i++;
        else break;
      }
      i++;
    } else if (ch === '[') {
      i++;
      for (let index = 0; ; index++) {
        ws();
        if (text[i] === ']' || i >= text.length) break;
        value(depth >= 0 && depth < path.length && path[depth] === index ? depth + 1 : -1);
        ws();
        if (text[i] === ',') i++;
        else break;
      }
      i++;
    } else if (ch === '"') {
      str();
    } else {
      while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
    }
    // Children finish before their parents: a parent only wins when nothing deeper matched.
    if (depth >= 0 && i > start && (best === undefined || depth > best.depth)) best = { start, end: Math.min(i, text.length), depth };
  };
  try {
    value(0);
  } catch {
    /* best so far */
  }
  return best;
}

/** 1-based line of an offset. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset && k < text.length; k++) if (text[k] === '\n') line++;
  return line;
}

/** The offset a JSON.parse message names ("… at position 123 …"), when it does. */
export function syntaxErrorOffset(reason: string): number | undefined {
  const m = /position (\d+)/.exec(reason);
  return m ? Number(m[1]) : undefined;
}
