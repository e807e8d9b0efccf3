import { alertFreezeListener } from '../deploy/alert-freezes.js';
import { createAutoRollbacks } from '../deploy/auto-rollback.js';
import { createBackendResolver } from '../deploy/backends/registry.js';
import { verifySignature } from '../deploy/backends/webhook.js';
import { createFreezes } from '../deploy/freezes.js';
import { createIncidentGate } from '../deploy/incident-gate.js';
import { createDeployIntake } from '../deploy/intake.js';
import { deployListener } from '../deploy/listener.js';
import { createNoticeDelivery } from '../deploy/notices.js';
import { createRollbacks } from '../deploy/rollback.js';
import { createSuspects } from '../deploy/suspects.js';
import { analysisGateRoutes } from '../http/analysis-gate.js';
import { deployRoutes } from '../http/deploys.js';
import { freezeGateRoutes } from '../http/freeze-gate.js';
import type { Incidents } from '../incidents/service.js';
import type { SlackClients } from '../slack/clients.js';
import { slackDeployChat } from '../slack/deploy-chat.js';
import type { Base, Module } from './module.js';

export interface DeploysModuleDeps extends Base {
  incidents: Incidents;
  /** Slack, for deploy notices and to know who clicked. */
  slack: SlackClients;
}

/** Deploys: intake, suspects, freezes and the gate, rollbacks through the configured backends. */
export function deploysModule(deps: DeploysModuleDeps) {
  const { store, now, kick, config, catalog, policies } = deps;
  const file = config.file;
  const publicUrl = config.http.publicUrl ?? null;
  const backends = createBackendResolver(file.services, { now });
  const freezes = createFreezes({ store, now, kick, policy: policies.freezes });
  const incidentGate = createIncidentGate({ store, now, kick, policy: policies.incidentGate });
  const alertFreezes = alertFreezeListener({ freezes, catalog, policy: policies.alertFreezes });
  const gateTarget = {
    resolveService: (name: string) => catalog.resolve(name).service,
    defaultEnvironment: file.incidents.defaultEnvironment,
    auth: file.deploys.gateAuth,
    apiToken: config.apiToken,
  };
  const suspects = createSuspects({ store, now, kick, policy: policies.suspects });
  const rollbacks = createRollbacks({
    store,
    now,
    kick,
    backendFor: backends.resolve,
    freezes,
    policy: policies.rollbacks,
  });
  const autoRollbacks = createAutoRollbacks({
    store,
    now,
    kick,
    backendFor: backends.resolve,
    rollbacks,
    policy: policies.autoRollback,
  });
  const intake = createDeployIntake({
    store,
    now,
    catalog,
    freezes,
    kick,
    policy: policies.deployIntake,
  });
  return {
    services: { freezes, suspects, rollbacks, intake, autoRollbacks },
    effects: [
      createNoticeDelivery({
        store,
        chat: slackDeployChat({ client: deps.slack.web, call: deps.slack.chat.call, publicUrl }),
      }),
      ...rollbacks.effects,
    ],
    listeners: [
      deployListener({ suspects, freezes }),
      incidentGate.listener,
      autoRollbacks.listener,
    ],
    alertListeners: alertFreezes ? [alertFreezes] : [],
    routes: [
      ...deployRoutes({
        intake,
        rollbacks,
        ingestToken: config.ingestToken,
        githubWebhookSecret: config.githubWebhookSecret,
        callbackSecret: async (id) => {
          const row = await rollbacks.find(id);
          return row ? backends.webhookSecret(row.service, row.environment) : null;
        },
        verifyCallback: (secret, headers, body) => verifySignature(secret, headers, body, now()),
      }),
      ...freezeGateRoutes({
        freezes,
        ...gateTarget,
        incidents: incidentGate.enabled ? incidentGate : undefined,
      }),
      ...analysisGateRoutes({ ...gateTarget, incidents: incidentGate }),
    ],
    slack: {
      deploys: {
        store,
        catalog,
        incidents: deps.incidents,
        freezes,
        rollbacks,
        autoRollbacks,
        suspects,
        actorOf: deps.slack.actorOf,
        policy: policies.deployCommands,
      },
    },
    jobs: [
      // Freezes lift themselves at expiry; due times live in SQLite, so a restart misses none.
      {
        name: 'freeze-expiry',
        schedule: '*/30 * * * * *',
        run: async () => void (await freezes.expireDue()),
      },
      // Automatic rollbacks run when their veto is over; the deadline is a row, so a restart
      // during the veto neither loses nor repeats it. Every second: the veto is minutes long
      // and a second late is fine, a minute late is not.
      {
        name: 'auto-rollback-deadline',
        schedule: '* * * * * *',
        run: async () => void (await autoRollbacks.executeDue()),
      },
    ],
  } satisfies Module<unknown, unknown>;
}
