// What one click on the checklist changed. Slack sends every box that is ticked after the click
// (`selected_options`), not which one was clicked; the card the person clicked on carries what
// they saw (`initial_options`). The difference between the two is their click, and only that is
// applied: comparing with the stored state instead would let a click on an older card undo
// someone else's tick that person never saw.

export interface ChecklistChange {
  ticked: string[];
  unticked: string[];
}

/** `seen`: ticked on the card that was clicked; `selected`: ticked after the click. */
export function clickedChange(
  seen: readonly string[],
  selected: readonly string[],
): ChecklistChange {
  const before = new Set(seen);
  const after = new Set(selected);
  return {
    ticked: [...after].filter((s) => !before.has(s)),
    unticked: [...before].filter((s) => !after.has(s)),
  };
}

/** The incident's steps: its services' checklists in order, each step once, at most `max`. */
export function stepsFor(
  services: readonly string[],
  checklistOf: (service: string) => readonly string[],
  max: number,
): string[] {
  const steps: string[] = [];
  for (const service of services)
    for (const step of checklistOf(service)) if (!steps.includes(step)) steps.push(step);
  return steps.slice(0, max);
}
