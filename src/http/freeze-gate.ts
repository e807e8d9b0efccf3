import type { IncomingMessage } from 'node:http';
import type { Freezes } from '../deploy/freezes.js';
import type { FixRequest, IncidentGate, IncidentGateAnswer } from '../deploy/incident-gate.js';
import type { GateIncident } from '../deploy/incident-gate-decide.js';
import type { Freeze } from '../domain/freeze.js';
import { incidentRef } from '../domain/incident.js';
import { requireToken } from './auth.js';
import { HttpError, sendJson } from './body.js';
import type { Route, RouteHandler } from './server.js';

// What CI asks before deploying. Cheap on purpose (one indexed read of the active freezes), and
// never cached by a proxy: a freeze must stop the very next pipeline.

export interface GateDeps {
  freezes: Freezes;
  /** Maps a name CI uses (repository, alias) to the configured service. */
  resolveService: (name: string) => string;
  defaultEnvironment: string;
  /** "open": anyone who can reach the bot may ask; "token": bearer API_TOKEN. */
  auth: 'open' | 'token';
  apiToken: string | undefined;
  /** deploys.gateBlocksOnIncident: open incidents block deploys too (absent: they never do). */
  incidents?: IncidentGate;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;
const NO_STORE = { 'cache-control': 'no-store' };

function target(req: IncomingMessage, url: URL, deps: GateDeps) {
  if (deps.auth === 'token') requireToken(req, deps.apiToken, 'API_TOKEN');
  return gateTarget(url, deps);
}

/** service= (a name or alias) and environment= (default: the configured one), validated. */
export function gateTarget(
  url: URL,
  deps: Pick<GateDeps, 'resolveService' | 'defaultEnvironment'>,
) {
  const service = url.searchParams.get('service')?.trim() ?? '';
  const environment = url.searchParams.get('environment')?.trim() || deps.defaultEnvironment;
  if (!NAME.test(service))
    throw new HttpError(400, 'service= is required (a service name or alias)', {
      problems: [{ path: 'service', message: 'required' }],
    });
  if (!NAME.test(environment))
    throw new HttpError(400, 'environment= is not a valid name', {
      problems: [{ path: 'environment', message: 'invalid' }],
    });
  return { service: deps.resolveService(service), environment: environment.toLowerCase() };
}

const freezeJson = (f: Freeze) => ({
  id: f.id,
  services: f.services,
  environments: f.environments,
  reason: f.reason,
  createdBy: f.createdBy,
  createdAt: f.createdAt.toISOString(),
  expiresAt: f.expiresAt.toISOString(),
  incident: f.incidentId,
  blocksRollbacks: f.blocksRollbacks,
});

const freezeStatus =
  (deps: GateDeps): RouteHandler =>
  async (req, res, _params, url) => {
    const { service, environment } = target(req, url, deps);
    const gate = await deps.freezes.gate(service, environment);
    sendJson(
      res,
      200,
      { frozen: !gate.allowed, service, environment, freezes: gate.freezes.map(freezeJson) },
      NO_STORE,
    );
  };

const deployGate =
  (deps: GateDeps): RouteHandler =>
  async (req, res, _params, url) => {
    const where = target(req, url, deps);
    const { service, environment } = where;
    const fix = fixRequest(url);
    if (fix) requireFixToken(req, deps);
    const gate = await deps.freezes.gate(service, environment);
    const incidents = deps.incidents ? await deps.incidents.check(where, fix) : null;
    const extra = incidents ? incidentFields(incidents) : {};
    if (gate.allowed && (incidents?.allowed ?? true))
      return sendJson(res, 200, { allowed: true, service, environment, ...extra }, NO_STORE);
    // A freeze is a decision people made: it answers first, and `fix=` does not pass it.
    const first = gate.freezes[0];
    const retryAfter = first ? gate.retryAfterSeconds : INCIDENT_RETRY_SECONDS;
    sendJson(
      res,
      423,
      {
        allowed: false,
        service,
        environment,
        reason: first ? first.reason : incidentReason(incidents?.blocking ?? []),
        retryAfter,
        freezes: gate.freezes.map(freezeJson),
        ...extra,
      },
      { ...NO_STORE, 'retry-after': String(retryAfter) },
    );
  };

/**
 * A fix pass is recorded on the timeline and posted in the incident's channel: a write, so it
 * takes the bearer API_TOKEN even when `deploys.gateAuth` leaves the gate's answers open.
 */
export function requireFixToken(req: IncomingMessage, deps: Pick<GateDeps, 'apiToken'>): void {
  requireToken(req, deps.apiToken, 'API_TOKEN');
}

// An incident has no expiry: CI is told to ask again in a minute.
export const INCIDENT_RETRY_SECONDS = 60;

const FIX = /^(?:INC-)?([1-9][0-9]{0,8})$/i;
const DEPLOY_ID = /^[\x21-\x7e]{1,200}$/;

/** `fix=INC-n` and `deploy=<id>`; empty values count as absent (templates fill them with ""). */
export function fixRequest(url: URL): FixRequest | null {
  const fix = url.searchParams.get('fix')?.trim() ?? '';
  if (fix === '') return null;
  const match = FIX.exec(fix);
  if (!match)
    throw new HttpError(400, 'fix= must name an incident, like INC-42', {
      problems: [{ path: 'fix', message: 'expected INC-<number>' }],
    });
  const deploy = url.searchParams.get('deploy')?.trim() ?? '';
  if (deploy !== '' && !DEPLOY_ID.test(deploy))
    throw new HttpError(400, 'deploy= must be up to 200 visible ASCII characters', {
      problems: [{ path: 'deploy', message: 'invalid' }],
    });
  return { incidentId: Number(match[1]), deploy: deploy || null };
}

// Titles come from alerts: no control characters, and short, in CI logs and Argo's status. A
// private incident's title stays in its channel: the gate may be open to anyone on the network.
const plainTitle = (incident: GateIncident) =>
  (incident.private ? '(private incident)' : incident.title)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
    .slice(0, 200);

export function incidentReason(blocking: readonly GateIncident[]): string {
  const [worst] = blocking;
  if (!worst) return 'no incident blocks this deploy';
  const more = blocking.length > 1 ? ` (and ${blocking.length - 1} more)` : '';
  return `${incidentRef(worst.id)} (${worst.severity}) is open: ${plainTitle(worst)}${more}`;
}

/** What the incident gate adds to an answer: the blocking incidents and what fix= did. */
export function incidentFields(answer: IncidentGateAnswer) {
  return {
    incidents: answer.blocking.map((i) => ({
      incident: incidentRef(i.id),
      number: i.id,
      title: plainTitle(i),
      severity: i.severity,
      state: i.state,
    })),
    ...(answer.fix ? { fix: answer.fix } : {}),
  };
}

export const freezeGateRoutes = (deps: GateDeps): Route[] => [
  { method: 'GET', path: '/api/v1/freeze-status', handler: freezeStatus(deps) },
  { method: 'GET', path: '/api/v1/gates/deploy', handler: deployGate(deps) },
];
