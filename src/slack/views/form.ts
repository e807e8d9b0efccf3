// Reading a submitted modal: view.state.values parsed once, at the edge.
import type { AckFn, ViewResponseAction } from '@slack/bolt';
import { z } from 'zod';

const StateValue = z.object({
  type: z.string(),
  value: z.string().nullish(),
  selected_option: z.object({ value: z.string() }).nullish(),
  selected_options: z.array(z.object({ value: z.string() })).nullish(),
});
const Values = z.record(z.string(), z.record(z.string(), StateValue));

export interface Form {
  /** A text input, trimmed; '' when empty or missing. */
  text(field: string): string;
  /** A single select's value. */
  option(field: string): string | null;
  /** A multi select's values. */
  options(field: string): string[];
}

/** Our inputs use the same id for the block and its element (src/slack/ids.ts `fields`). */
export function readForm(view: { state: { values: unknown } }): Form {
  const values = Values.parse(view.state.values);
  const get = (field: string) => values[field]?.[field];
  return {
    text: (field) => get(field)?.value?.trim() ?? '',
    option: (field) => get(field)?.selected_option?.value ?? null,
    options: (field) => get(field)?.selected_options?.map((o) => o.value) ?? [],
  };
}

/** private_metadata as the modal builder wrote it; a mangled one is a bad request. */
export function readMetadata<T>(view: { private_metadata: string }, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(view.private_metadata || '{}');
  } catch {
    raw = null;
  }
  return schema.parse(raw);
}

/** Answers the field problems in the form; true when there were any. */
export async function showFieldErrors(
  ack: AckFn<ViewResponseAction>,
  errors: Record<string, string | null>,
): Promise<boolean> {
  const found = Object.fromEntries(
    Object.entries(errors).filter((e): e is [string, string] => e[1] !== null),
  );
  if (Object.keys(found).length === 0) return false;
  await ack({ response_action: 'errors', errors: found });
  return true;
}
