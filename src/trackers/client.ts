import type { TrackerKind } from '../domain/tracker-messages.js';

/** What goes into the issue; the marker lets a retry find an issue an earlier try created. */
export interface IssueDraft {
  title: string;
  /** Markdown lines (GitHub) — Jira gets the same content as an ADF document. */
  summary: string;
  details: readonly { label: string; value: string; url?: string }[];
  /** Unique per follow-up: hidden in the GitHub body, a label in Jira. */
  marker: string;
  /** No issue with the marker can have been created before this (the first try). */
  since: Date;
}

export interface CreatedIssue {
  /** "owner/repo#12" or "OPS-7". */
  key: string;
  url: string;
  /** True when a retry found the issue an earlier try created, instead of creating one. */
  found: boolean;
}

/** A tracker that creates each follow-up's issue once. */
export interface TrackerClient {
  readonly kind: TrackerKind;
  createOnce(draft: IssueDraft): Promise<CreatedIssue>;
}

/** The tracker refused the request (4xx): trying again unchanged cannot help, a person can. */
export class TrackerRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrackerRefused';
  }
}
