/** A label that tells an alert apart from others with the same title. */
export interface LabelDifference {
  name: string;
  value: string;
}

/** Labels people look for first when alerts differ in several; the rest follow alphabetically. */
const PREFERRED = ['instance', 'pod', 'host', 'node', 'region', 'zone', 'cluster', 'namespace'];
/** At most this many labels per line: enough to tell them apart, short enough to read. */
const MAX_LABELS = 3;

const rank = (name: string) => {
  const i = PREFERRED.indexOf(name);
  return i === -1 ? PREFERRED.length : i;
};

/**
 * For each alert, the labels that differ between it and the other alerts of the same title
 * (two "High 5xx error rate on checkout" lines become "instance=a" and "instance=b"). An alert
 * whose title no other alert shares gets none. A label one alert lacks counts as differing.
 */
export function distinguishingLabels(
  alerts: readonly { title: string; labels: Readonly<Record<string, string>> }[],
): LabelDifference[][] {
  const byTitle = new Map<string, number[]>();
  alerts.forEach((alert, i) => {
    byTitle.set(alert.title, [...(byTitle.get(alert.title) ?? []), i]);
  });
  const result: LabelDifference[][] = alerts.map(() => []);
  for (const members of byTitle.values()) {
    if (members.length < 2) continue;
    const names = new Set(members.flatMap((i) => Object.keys(alerts[i]?.labels ?? {})));
    const differing = [...names]
      .filter((name) => new Set(members.map((i) => alerts[i]?.labels[name])).size > 1)
      .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
      .slice(0, MAX_LABELS);
    for (const i of members) {
      const labels = alerts[i]?.labels ?? {};
      result[i] = differing
        .filter((name) => labels[name] !== undefined)
        .map((name) => ({ name, value: labels[name] as string }));
    }
  }
  return result;
}
