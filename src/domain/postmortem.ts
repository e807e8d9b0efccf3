import type { TimelineKind } from './timeline.js';

// The pieces of an incident's record that the postmortem is written from, as the store reads them.

export interface AlertItem {
  title: string;
  status: 'firing' | 'resolved';
  service: string | null;
  severity: string;
  url: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
}

export interface DeployItem {
  deployId: number;
  service: string;
  environment: string;
  version: string;
  previousVersion: string | null;
  status: string;
  actor: string | null;
  url: string | null;
  compareUrl: string | null;
  at: Date;
  verdict: 'suspect' | 'not_related' | 'causal';
  verdictBy: string | null;
}

export interface RollbackItem {
  id: number;
  service: string;
  environment: string;
  fromVersion: string | null;
  toVersion: string | null;
  status: string;
  requestedBy: string;
  backend: string;
  externalUrl: string | null;
  error: string | null;
  requestedAt: Date;
  finishedAt: Date | null;
}

export interface FreezeItem {
  id: number;
  services: string[];
  environments: string[];
  reason: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  liftedAt: Date | null;
  liftedBy: string | null;
}

export interface PageItem {
  service: string;
  status: string;
  htmlUrl: string | null;
  requestedBy: string | null;
  origin: string;
  createdAt: Date;
}

export interface FollowupItem {
  id: number;
  text: string;
  ownerId: string | null;
  state: 'open' | 'done' | 'wont_do';
  /** The issue it became in GitHub or Jira ("owner/repo#12", "OPS-7"), once exported. */
  trackerKey: string | null;
  trackerUrl: string | null;
}

export interface TimelineItem {
  seq: number;
  at: Date;
  kind: TimelineKind;
  actor: string;
  source: string;
  payload: Record<string, unknown>;
}
