/**
 * Keeps what identifies an oversized Alertmanager notification and cuts the rest, without
 * parsing what is cut. The text is scanned once (strings and nesting only, no values built):
 * every top-level member is kept as written, and of the `alerts` array only the first elements
 * that fit in `maxBytes`. Alertmanager writes `alerts` before `groupKey` and the common labels,
 * so a prefix of the body would lose the group; this keeps both ends.
 *
 * Returns the shortened JSON text and how many alerts were left out, or null when the text is not
 * a JSON object with an `alerts` array (the caller then refuses it as too large).
 */
export function cutAlerts(text: string, maxBytes: number): { json: string; cut: number } | null {
  let i = skipSpace(text, 0);
  if (text[i] !== '{') return null;
  i = skipSpace(text, i + 1);
  while (text[i] === '"') {
    const keyEnd = endOfString(text, i);
    if (keyEnd < 0) return null;
    const key = text.slice(i + 1, keyEnd - 1);
    i = skipSpace(text, keyEnd);
    if (text[i] !== ':') return null;
    i = skipSpace(text, i + 1);
    if (key === 'alerts' && text[i] === '[') return keepElements(text, i, maxBytes);
    const end = endOfValue(text, i);
    if (end < 0) return null;
    i = skipSpace(text, end);
    if (text[i] !== ',') return null;
    i = skipSpace(text, i + 1);
  }
  return null;
}

/** The array starting at `open`: its first elements within `maxBytes` kept, the rest counted. */
function keepElements(text: string, open: number, maxBytes: number) {
  const kept: string[] = [];
  let keptBytes = 0;
  let cut = 0;
  let i = skipSpace(text, open + 1);
  if (text[i] !== ']') {
    for (;;) {
      const end = endOfValue(text, i);
      if (end < 0) return null;
      // Keep a prefix, in order: once one alert does not fit, the rest are cut too.
      if (cut === 0 && keptBytes + (end - i) <= maxBytes) {
        kept.push(text.slice(i, end));
        keptBytes += end - i;
      } else cut++;
      i = skipSpace(text, end);
      if (text[i] === ']') break;
      if (text[i] !== ',') return null;
      i = skipSpace(text, i + 1);
    }
  }
  return { json: `${text.slice(0, open)}[${kept.join(',')}]${text.slice(i + 1)}`, cut };
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\n' || c === '\r' || c === '\t';

function skipSpace(text: string, i: number): number {
  while (isSpace(text[i])) i++;
  return i;
}

/** The index after the string starting at `i` (a `"`), or -1 if it never ends. */
function endOfString(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const quote = text.indexOf('"', j);
    if (quote < 0) return -1;
    // An escaped quote has an odd number of backslashes before it.
    let slashes = 0;
    while (text[quote - 1 - slashes] === '\\') slashes++;
    if (slashes % 2 === 0) return quote + 1;
    j = quote + 1;
  }
}

/** The index after the JSON value starting at `i`, or -1 if it never ends. */
function endOfValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return endOfString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const d = text[j];
      if (d === '"') {
        j = endOfString(text, j);
        if (j < 0) return -1;
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  let j = i;
  while (
    j < text.length &&
    !isSpace(text[j]) &&
    text[j] !== ',' &&
    text[j] !== '}' &&
    text[j] !== ']'
  )
    j++;
  return j > i ? j : -1;
}
