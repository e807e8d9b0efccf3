/** Count, median and mean of a set of durations (ms); median and mean are null when empty. */
export interface Summary {
  n: number;
  median: number | null;
  mean: number | null;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { n: 0, median: null, mean: null };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  const mean = sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
  return { n: sorted.length, median, mean };
}

/** "45 s", "12 min", "3 h 5 min", "4 d 2 h": precise enough for people, never a bare number. */
export function humanDuration(ms: number): string {
  const negative = ms < 0;
  const abs = Math.abs(ms);
  const seconds = Math.round(abs / 1000);
  let text: string;
  if (seconds < 60) text = `${seconds} s`;
  else if (seconds < 3600) text = `${Math.round(seconds / 60)} min`;
  else if (seconds < 48 * 3600) {
    const minutes = Math.round(seconds / 60);
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    text = m ? `${h} h ${m} min` : `${h} h`;
  } else {
    const hours = Math.round(seconds / 3600);
    const d = Math.floor(hours / 24);
    const h = hours % 24;
    text = h ? `${d} d ${h} h` : `${d} d`;
  }
  return negative ? `-${text}` : text;
}
