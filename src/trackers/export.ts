import type { FileConfig, TrackerConfig } from '../config.js';
import type { TrackerKind } from '../domain/tracker-messages.js';
import { type FollowupExport, followupExportEffect } from '../incidents/followup-export.js';
import { type TrackerClient, TrackerRefused } from './client.js';
import { githubTracker } from './github.js';
import { issueDraft } from './issue.js';
import { jiraTracker } from './jira.js';

/** The tracker of an incident's follow-ups: its first service that has one, else the global one. */
export function trackerConfigFor(
  file: Pick<FileConfig, 'services' | 'followups'>,
  services: readonly string[],
): TrackerConfig | null {
  for (const name of services) {
    const own = file.services[name]?.tracker;
    if (own) return own;
  }
  return file.followups.tracker ?? null;
}

export const trackerKindFor =
  (file: Pick<FileConfig, 'services' | 'followups'>) =>
  (services: readonly string[]): TrackerKind | null =>
    trackerConfigFor(file, services)?.kind ?? null;

export function trackerClient(config: TrackerConfig): TrackerClient {
  return config.kind === 'github'
    ? githubTracker({
        repo: config.repo,
        token: config.token,
        apiUrl: config.apiUrl,
        labels: config.labels,
        timeoutMs: config.timeout,
      })
    : jiraTracker({
        url: config.url,
        email: config.email,
        token: config.token,
        project: config.project,
        issueType: config.issueType,
        labels: config.labels,
        timeoutMs: config.timeout,
      });
}

/** Every webhook secret configured for this kind of tracker (global and per service). */
/** A webhook secret and what it may speak for: a GitHub repo ("owner/name") or a Jira project. */
export interface WebhookSecret {
  secret: string;
  scope: string;
}

/**
 * The configured webhook secrets of one kind of tracker, each with its repo or project: an event
 * signed with one tracker's secret can only close issues of that tracker.
 */
export function webhookSecrets(
  file: Pick<FileConfig, 'services' | 'followups'>,
  kind: TrackerKind,
): WebhookSecret[] {
  const all = [file.followups.tracker, ...Object.values(file.services).map((s) => s.tracker)];
  const found = new Map<string, WebhookSecret>();
  for (const t of all) {
    if (!t || t.kind !== kind || !t.webhookSecret) continue;
    const scope = t.kind === 'github' ? t.repo : t.project;
    found.set(`${t.webhookSecret}\n${scope}`, { secret: t.webhookSecret, scope });
  }
  return [...found.values()];
}

export interface ExportHandlerDeps {
  exports: FollowupExport;
  file: Pick<FileConfig, 'services' | 'followups'>;
  now: () => Date;
  namesOf: (userIds: readonly string[]) => Promise<Map<string, string>>;
  publicUrl: string | null;
  /** A tracker that has not answered for this long is reported in the channel, with Retry. */
  giveUpAfterMs: number;
  clientFor?: (config: TrackerConfig) => TrackerClient;
}

/**
 * Carries out `followup.export`: find or create the issue, then record it. A 4xx is a refusal
 * shown in the channel with Retry; a 5xx, a timeout or a refused connection is thrown, so the
 * outbox tries again later, until `giveUpAfterMs` has passed since the first try.
 */
export function followupExportHandler(deps: ExportHandlerDeps) {
  const clientFor = deps.clientFor ?? trackerClient;
  return followupExportEffect.handledBy(async ({ followupId }, item) => {
    const job = await deps.exports.pending(followupId);
    if (!job) return;
    const config = trackerConfigFor(deps.file, job.incident.services);
    if (!config || config.kind !== job.followup.trackerKind) {
      await deps.exports.failed(
        followupId,
        'the tracker this follow-up was meant for is no longer configured',
      );
      return;
    }
    const people = [job.followup.ownerId, job.followup.createdBy].filter(
      (id): id is string => id !== null,
    );
    const draft = issueDraft({
      ...job,
      names: await deps.namesOf(people),
      publicUrl: deps.publicUrl,
      since: item.createdAt,
    });
    try {
      await deps.exports.exported(followupId, await clientFor(config).createOnce(draft));
    } catch (error) {
      if (error instanceof TrackerRefused) {
        await deps.exports.failed(followupId, error.message);
        return;
      }
      const waited = deps.now().getTime() - item.createdAt.getTime();
      if (waited >= deps.giveUpAfterMs) {
        await deps.exports.failed(
          followupId,
          `${(error as Error).message} (tried for ${Math.round(waited / 60_000)} min)`,
        );
        return;
      }
      throw error;
    }
  });
}
