import type { Inbox } from '../incidents/inbox.js';
import type { NormalizedAlert } from '../ingest/alert.js';
import { alertmanagerToAlerts } from '../ingest/alertmanager.js';
import { cutAlerts } from '../ingest/cut-alerts.js';
import { genericToAlerts } from '../ingest/generic.js';
import { grafanaToAlerts } from '../ingest/grafana.js';
import { requireToken } from './auth.js';
import { HttpError, parseJson, readBody, sendJson } from './body.js';
import type { Route, RouteHandler } from './server.js';

/**
 * What an alert route reads at most. A real Alertmanager notification is about 0.5 KB per alert
 * (the Alertmanager fixtures: 355–485 bytes, plus the labels a real cluster adds), so 16 MiB is
 * some 30 000 alerts: a storm, with memory still bounded per request.
 */
export const ALERT_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * Above this, an Alertmanager body is not parsed whole: its envelope (what identifies the group)
 * is kept with the first alerts that fit here, and the rest are counted as cut, so even an
 * oversized storm opens its incident and says how much was left out.
 */
export const ALERT_KEEP_BYTES = 8 * 1024 * 1024;

export interface AlertRouteDeps {
  inbox: Pick<Inbox, 'accept'>;
  ingestToken: string | undefined;
  onReceived?: (source: string, count: number) => void;
}

/** Alertmanager: cut an oversized notification rather than refuse it. */
function readAlertmanager(raw: Buffer): NormalizedAlert[] {
  if (raw.length <= ALERT_KEEP_BYTES) return alertmanagerToAlerts(parseJson(raw));
  const kept = cutAlerts(raw.toString('utf8'), ALERT_KEEP_BYTES);
  if (!kept)
    throw new HttpError(
      413,
      `body larger than ${ALERT_KEEP_BYTES} bytes and not an Alertmanager notification with an alerts array`,
    );
  return alertmanagerToAlerts(parseJson(Buffer.from(kept.json)), kept.cut);
}

/**
 * Authenticate, parse, commit, then answer 202: a 202 means the alerts are on disk. Incidents are
 * made from them a moment later by the inbox processor (so a storm is absorbed at insert speed).
 */
const alertWebhook =
  (source: string, read: (raw: Buffer) => NormalizedAlert[], deps: AlertRouteDeps): RouteHandler =>
  async (req, res) => {
    requireToken(req, deps.ingestToken, 'INGEST_TOKEN');
    const alerts = read(await readBody(req, ALERT_BODY_LIMIT));
    const { id } = await deps.inbox.accept(source, alerts);
    deps.onReceived?.(source, alerts.length);
    const cut = alerts[0]?.cut ?? 0;
    sendJson(res, 202, { accepted: alerts.length, ...(cut > 0 ? { cut } : {}), id });
  };

export const alertRoutes = (deps: AlertRouteDeps): Route[] => [
  {
    method: 'POST',
    path: '/webhooks/alertmanager',
    refuseWhileDraining: true,
    handler: alertWebhook('alertmanager', readAlertmanager, deps),
  },
  {
    method: 'POST',
    path: '/webhooks/grafana',
    refuseWhileDraining: true,
    handler: alertWebhook('grafana', (raw) => grafanaToAlerts(parseJson(raw)), deps),
  },
  {
    method: 'POST',
    path: '/webhooks/alerts',
    refuseWhileDraining: true,
    handler: alertWebhook('generic', (raw) => genericToAlerts(parseJson(raw)), deps),
  },
];
