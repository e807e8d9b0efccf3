import type { Inbox } from '../incidents/inbox.js';
import type { NormalizedAlert } from '../ingest/alert.js';
import { alertmanagerToAlerts } from '../ingest/alertmanager.js';
import { genericToAlerts } from '../ingest/generic.js';
import { grafanaToAlerts } from '../ingest/grafana.js';
import { requireToken } from './auth.js';
import { readJson, sendJson } from './body.js';
import type { Route, RouteHandler } from './server.js';

// Alertmanager caps a notification at max_alerts; 1 MiB holds a few thousand alerts.
export const ALERT_BODY_LIMIT = 1024 * 1024;

export interface AlertRouteDeps {
  inbox: Pick<Inbox, 'accept'>;
  ingestToken: string | undefined;
  onReceived?: (source: string, count: number) => void;
}

/**
 * Authenticate, parse, commit, then answer 202: a 202 means the alerts are on disk. Incidents are
 * made from them a moment later by the inbox processor (so a storm is absorbed at insert speed).
 */
const alertWebhook =
  (
    source: string,
    normalize: (body: unknown) => NormalizedAlert[],
    deps: AlertRouteDeps,
  ): RouteHandler =>
  async (req, res) => {
    requireToken(req, deps.ingestToken, 'INGEST_TOKEN');
    const alerts = normalize(await readJson(req, ALERT_BODY_LIMIT));
    const { id } = await deps.inbox.accept(source, alerts);
    deps.onReceived?.(source, alerts.length);
    sendJson(res, 202, { accepted: alerts.length, id });
  };

export const alertRoutes = (deps: AlertRouteDeps): Route[] => [
  {
    method: 'POST',
    path: '/webhooks/alertmanager',
    refuseWhileDraining: true,
    handler: alertWebhook('alertmanager', alertmanagerToAlerts, deps),
  },
  {
    method: 'POST',
    path: '/webhooks/grafana',
    refuseWhileDraining: true,
    handler: alertWebhook('grafana', grafanaToAlerts, deps),
  },
  {
    method: 'POST',
    path: '/webhooks/alerts',
    refuseWhileDraining: true,
    handler: alertWebhook('generic', genericToAlerts, deps),
  },
];
