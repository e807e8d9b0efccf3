import type { types } from '@slack/bolt';
import type { DeployNotice, FreezeFacts, RollbackButton } from '../../deploy/notices.js';
import type { DeployStatusReport } from '../../deploy/reports.js';
import type { RollbackPlan } from '../../deploy/rollback.js';
import type { Deploy, Rollback } from '../../domain/deploy.js';
import type { Freeze } from '../../domain/freeze.js';
import { incidentRef } from '../../domain/incident.js';
import { actions, blocks as ids, inputAction, views } from '../ids.js';
import { renderAutoRollbackDecided, renderAutoRollbackSettled } from './auto-rollback.js';
import {
  duration,
  escapeText,
  link,
  mrkdwn,
  plain,
  sentence,
  slackDate,
  truncate,
  truncateMarkup,
} from './text.js';

type Block = types.KnownBlock;

export interface RenderedNotice {
  text: string;
  blocks: Block[];
}

const section = (text: string): Block => ({ type: 'section', text: mrkdwn(text) });
const context = (text: string): Block => ({ type: 'context', elements: [mrkdwn(text)] });
const who = (id: string) => (/^[UW][A-Z0-9]+$/.test(id) ? `<@${id}>` : escapeText(id));
const target = (service: string, environment: string) =>
  `*${escapeText(service)}* in *${escapeText(environment)}*`;
const scope = (f: Pick<FreezeFacts, 'services' | 'environments'>) =>
  `${escapeText(f.services.join(', '))} × ${escapeText(f.environments.join(', '))}`;
const until = (iso: string) => slackDate(new Date(iso), '{date_short_pretty} {time}');
const codeBlock = (output: string | null, max: number) =>
  output?.trim()
    ? `\n\`\`\`${escapeText(truncate(output.trim().replace(/```/g, "'''"), max))}\`\`\``
    : '';

export function liftButton(freezeId: number, label = 'Lift freeze'): types.Button {
  return {
    type: 'button',
    action_id: actions.liftFreeze,
    text: plain(label),
    value: String(freezeId),
  };
}

/** A Roll back button with the confirm dialog naming from → to. */
export function rollbackButton(
  value: RollbackButton,
  facts: { service: string; environment: string; from: string | null; to: string },
  label = `Roll back to ${facts.to}`,
): types.Button {
  const from = facts.from ? ` from *${escapeText(facts.from)}*` : '';
  return {
    type: 'button',
    action_id: actions.rollback,
    text: plain(label),
    style: 'danger',
    value: JSON.stringify(value),
    confirm: {
      title: plain('Roll back?', 100),
      text: mrkdwn(
        truncateMarkup(
          `Roll back ${target(facts.service, facts.environment)}${from} to *${escapeText(facts.to)}*.`,
          300,
        ),
        300,
      ),
      confirm: plain('Roll back', 30),
      deny: plain('Cancel', 30),
      style: 'danger',
    },
  };
}

function freezeLine(f: FreezeFacts): string {
  const incident = f.incidentId ? ` (${incidentRef(f.incidentId)})` : '';
  return `#${f.id} ${scope(f)} until ${until(f.expiresAt)}${incident}: ${escapeText(truncate(f.reason, 300))}`;
}

/** Renders a deploy notice. Exhaustive: a new notice type must be handled here. */
export function renderNotice(
  notice: DeployNotice,
  env: { publicUrl: string | null },
): RenderedNotice {
  switch (notice.type) {
    case 'deploy_seen': {
      const d = notice.deploy;
      const verb =
        d.status === 'started'
          ? '⏳ Deploying'
          : d.status === 'failed'
            ? '❌ Deploy failed:'
            : '🚀 Deployed';
      const kind = d.isRollback ? ' (a rollback)' : '';
      const by = d.actor ? ` by ${escapeText(d.actor)}` : '';
      const links = [
        d.url ? link(d.url, 'details') : '',
        d.compareUrl ? link(d.compareUrl, 'changes') : '',
      ]
        .filter(Boolean)
        .join(' · ');
      const unmapped = d.serviceKnown ? '' : ' _(service not in firebreak.yaml)_';
      const line = `${verb} *${escapeText(d.version)}*${kind} to ${target(d.service, d.environment)}${by}${unmapped}${links ? ` · ${links}` : ''}`;
      if (notice.frozenBy.length === 0)
        return { text: truncateMarkup(line, 3000), blocks: [section(line)] };
      // Loud on purpose: someone shipped while deploys were frozen.
      const loud = `🚨 <!here> *Deploy during a freeze!* ${line}\nFrozen by ${notice.frozenBy.map(freezeLine).join('; ')}`;
      return {
        text: truncateMarkup(
          `🚨 Deploy during a freeze: ${escapeText(d.version)} to ${escapeText(d.service)}/${escapeText(d.environment)}`,
          3000,
        ),
        blocks: [
          { type: 'header', text: plain('🚨 Deploy during a freeze', 150) },
          section(truncateMarkup(loud, 3000)),
        ],
      };
    }
    case 'rollback_requested': {
      const from = notice.from ? ` from *${escapeText(notice.from)}*` : '';
      // The bot only rolls back on its own under deploys.autoRollback: name the policy.
      const by =
        notice.by === 'firebreak'
          ? 'firebreak (automatic rollback, `deploys.autoRollback`)'
          : who(notice.by);
      const text = `⏪ ${by} is rolling back ${target(notice.service, notice.environment)}${from} to *${escapeText(notice.to)}* via ${escapeText(notice.backend)}. Progress in this thread.`;
      return { text: truncateMarkup(text, 3000), blocks: [section(text)] };
    }
    case 'rollback_started': {
      const detail = notice.detail ? `: ${escapeText(notice.detail)}` : '';
      const text = `▶️ Rollback #${notice.rollbackId} started${detail}${notice.url ? ` · ${link(notice.url, 'follow it')}` : ''}`;
      return { text: truncateMarkup(text, 3000), blocks: [section(text)] };
    }
    case 'rollback_succeeded': {
      const lines = [
        `✅ Rollback of ${target(notice.service, notice.environment)} to *${escapeText(notice.to)}* succeeded.${notice.url ? ` ${link(notice.url, 'Details')}` : ''}`,
      ];
      if (notice.detail) lines.push(`_${escapeText(truncate(notice.detail, 500))}_`);
      const blocks: Block[] = [
        section(truncateMarkup(lines.join('\n') + codeBlock(notice.output, 1500), 3000)),
      ];
      if (notice.freeze) {
        blocks.push(
          context(
            `🧊 Deploys of ${scope(notice.freeze)} are frozen until ${until(notice.freeze.expiresAt)} (freeze #${notice.freeze.id}) so the bad version is not shipped again by accident. Lift it when the fix is ready.`,
          ),
        );
      }
      const buttons: types.Button[] = [];
      if (notice.mitigate !== null) {
        buttons.push({
          type: 'button',
          action_id: actions.markMitigated,
          text: plain('Mark mitigated'),
          style: 'primary',
          value: String(notice.mitigate),
        });
      }
      if (notice.freeze) buttons.push(liftButton(notice.freeze.id));
      if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
      return {
        text: truncateMarkup(
          `✅ Rollback of ${escapeText(notice.service)}/${escapeText(notice.environment)} to ${escapeText(notice.to)} succeeded.`,
          3000,
        ),
        blocks,
      };
    }
    case 'rollback_failed': {
      const text = `❌ Rollback of ${target(notice.service, notice.environment)} to *${escapeText(notice.to)}* failed: ${escapeText(truncate(notice.reason, 1000))}${notice.url ? ` · ${link(notice.url, 'details')}` : ''}`;
      return {
        text: truncateMarkup(
          `❌ Rollback of ${escapeText(notice.service)}/${escapeText(notice.environment)} to ${escapeText(notice.to)} failed: ${escapeText(notice.reason)}`,
          3000,
        ),
        blocks: [
          section(truncateMarkup(text + codeBlock(notice.output, 1200), 3000)),
          {
            type: 'actions',
            elements: [
              rollbackButton(
                notice.retry,
                {
                  service: notice.service,
                  environment: notice.environment,
                  from: null,
                  to: notice.to,
                },
                'Retry rollback',
              ),
            ],
          },
        ],
      };
    }
    case 'freeze_created': {
      const f = notice.freeze;
      const rollbacks = f.blocksRollbacks
        ? ' Rollbacks are blocked too.'
        : ' Rollbacks are still allowed.';
      const text = `🧊 ${who(notice.by)} froze deploys of ${scope(f)} until ${until(f.expiresAt)} (freeze #${f.id}): ${escapeText(sentence(truncate(f.reason, 500)))}${rollbacks}`;
      const blocks: Block[] = [section(text)];
      const [service] = f.services;
      const [environment] = f.environments;
      if (env.publicUrl && service && environment && !`${service}${environment}`.includes('*')) {
        const gate = `${env.publicUrl.replace(/\/+$/, '')}/api/v1/gates/deploy?service=${encodeURIComponent(service)}&environment=${encodeURIComponent(environment)}`;
        blocks.push(
          context(`CI pipelines that ask \`${escapeText(gate)}\` get 423 until it lifts.`),
        );
      }
      blocks.push({ type: 'actions', elements: [liftButton(f.id)] });
      return {
        text: truncateMarkup(`🧊 Deploys of ${scope(f)} frozen: ${escapeText(f.reason)}`, 3000),
        blocks,
      };
    }
    case 'freeze_lifted': {
      const f = notice.freeze;
      const text = notice.expired
        ? `🌤 Freeze #${f.id} on ${scope(f)} expired; deploys may go ahead.`
        : `🌤 ${who(notice.by)} lifted freeze #${f.id} on ${scope(f)}; deploys may go ahead.`;
      return { text: truncateMarkup(text, 3000), blocks: [section(text)] };
    }
    case 'freeze_rescheduled': {
      const f = notice.freeze;
      const alert = escapeText(truncate(notice.alertname, 100));
      const text =
        notice.why === 'resolved_early'
          ? `⏳ ${alert} resolved; freeze #${f.id} on ${scope(f)} lifts at ${until(f.expiresAt)}, its minimum length. Rollbacks are still allowed.`
          : `🧊 ${alert} is firing again; freeze #${f.id} on ${scope(f)} holds until it resolves.`;
      return { text: truncateMarkup(text, 3000), blocks: [section(text)] };
    }
    case 'gate_fix_pass': {
      const what = `${escapeText(notice.service)} (${escapeText(notice.environment)})`;
      const deploy = notice.deploy
        ? ` \`${escapeText(truncate(notice.deploy.replace(/`/g, "'"), 100))}\``
        : '';
      const text = `🚦 A deploy${deploy} of ${what} passed the incident gate as the fix for ${incidentRef(notice.incidentId)}.`;
      return { text: truncateMarkup(text, 3000), blocks: [section(text)] };
    }
    case 'freeze_lift_offer': {
      const text = `${incidentRef(notice.incidentId)} is resolved, but deploys are still frozen:\n${notice.freezes.map((f) => `• ${freezeLine(f)}`).join('\n')}\nLift the freeze now, or let it expire.`;
      return {
        text: truncateMarkup(
          `${incidentRef(notice.incidentId)} is resolved; lift its deploy freeze?`,
          3000,
        ),
        blocks: [
          section(truncateMarkup(text, 3000)),
          {
            type: 'actions',
            elements: notice.freezes
              .slice(0, 5)
              .map((f) => liftButton(f.id, `Lift freeze #${f.id}`)),
          },
        ],
      };
    }
    case 'auto_rollback_decided':
      return renderAutoRollbackDecided(notice, rollbackButton);
    case 'auto_rollback_settled':
      return renderAutoRollbackSettled(notice, rollbackButton);
    default:
      return notice satisfies never;
  }
}

// ── Freeze modal ────────────────────────────────────────────────────────────────────────────

const DURATIONS = [30, 60, 120, 240, 480, 720, 1440].map((m) => m * 60_000);

export interface FreezeModalInput {
  incidentId: number | null;
  channelId: string | null;
  services: readonly string[];
  environment: string;
  reason: string;
  defaultMs: number;
  maxMs: number;
}

export function freezeModal(input: FreezeModalInput): types.ModalView {
  const choices = [
    ...new Set([...DURATIONS.filter((d) => d <= input.maxMs), input.defaultMs]),
  ].sort((a, b) => a - b);
  const option = (ms: number) => ({ text: plain(duration(ms)), value: String(ms) });
  return {
    type: 'modal',
    callback_id: views.freeze,
    private_metadata: JSON.stringify({ incidentId: input.incidentId, channelId: input.channelId }),
    title: plain('Freeze deploys', 24),
    submit: plain('Freeze', 24),
    close: plain('Cancel', 24),
    blocks: [
      {
        type: 'input',
        block_id: ids.freezeServices,
        label: plain('Services', 2000),
        hint: plain('Names or globs, comma-separated; * for all', 2000),
        element: {
          type: 'plain_text_input',
          action_id: inputAction,
          initial_value: input.services.length ? input.services.join(', ') : '*',
          max_length: 500,
        },
      },
      {
        type: 'input',
        block_id: ids.freezeEnvironments,
        label: plain('Environments', 2000),
        element: {
          type: 'plain_text_input',
          action_id: inputAction,
          initial_value: input.environment,
          max_length: 200,
        },
      },
      {
        type: 'input',
        block_id: ids.freezeDuration,
        label: plain('For', 2000),
        element: {
          type: 'static_select',
          action_id: inputAction,
          options: choices.map(option),
          initial_option: option(input.defaultMs),
        },
      },
      {
        type: 'input',
        block_id: ids.freezeReason,
        label: plain('Why', 2000),
        element: {
          type: 'plain_text_input',
          action_id: inputAction,
          multiline: true,
          initial_value: truncate(input.reason, 500, '…'),
          max_length: 500,
        },
      },
      {
        type: 'input',
        block_id: ids.freezeOptions,
        optional: true,
        label: plain('Rollbacks', 2000),
        element: {
          type: 'checkboxes',
          action_id: inputAction,
          options: [{ text: plain('Block rollbacks too'), value: 'block_rollbacks' }],
        },
      },
    ],
  };
}

// ── Command replies ─────────────────────────────────────────────────────────────────────────

function freezeRowLine(f: Freeze): string {
  const incident = f.incidentId ? ` (${incidentRef(f.incidentId)})` : '';
  return `🧊 #${f.id} ${scope(f)} until ${slackDate(f.expiresAt)} by ${who(f.createdBy)}${incident}: ${escapeText(truncate(f.reason, 200))}${f.blocksRollbacks ? ' _(blocks rollbacks)_' : ''}`;
}

function rollbackLine(r: Rollback): string {
  const icon = { requested: '⏳', running: '⏳', succeeded: '✅', failed: '❌' }[r.status];
  const incident = r.incidentId ? ` (${incidentRef(r.incidentId)})` : '';
  const why = r.status === 'failed' && r.error ? `: ${escapeText(truncate(r.error, 200))}` : '';
  return `${icon} rollback #${r.id} of ${escapeText(r.service)}/${escapeText(r.environment)} ${r.status} · by ${who(r.requestedBy)} ${slackDate(r.requestedAt)}${incident}${why}`;
}

export function deployLine(d: Deploy): string {
  const status = { started: '⏳ running', succeeded: '✅', failed: '❌ failed' }[d.status];
  const unmapped = d.serviceKnown ? '' : ' ⚠️ _unmapped service_';
  const rollback = d.isRollback ? ' ⏪' : '';
  return `${status}${rollback} *${link(d.url, d.version)}* → ${escapeText(d.service)}/${escapeText(d.environment)}${d.actor ? ` by ${escapeText(d.actor)}` : ''} · ${slackDate(d.at)}${unmapped}`;
}

export function statusText(report: DeployStatusReport): string {
  const title = report.service ? `*Deploys of ${escapeText(report.service)}*` : '*Deploys*';
  const lines = [title];
  lines.push(
    report.freezes.length
      ? report.freezes.map(freezeRowLine).join('\n')
      : `✅ Not frozen${report.service ? '' : ' anywhere'}.`,
  );
  if (report.rollbacks.length) lines.push(report.rollbacks.map(rollbackLine).join('\n'));
  if (report.latest.length)
    lines.push(`Latest:\n${report.latest.map((d) => `• ${deployLine(d)}`).join('\n')}`);
  return truncateMarkup(lines.join('\n\n'), 3000);
}

export function listText(rows: readonly Deploy[], service: string | null): string {
  if (rows.length === 0)
    return service ? `No deploys of ${escapeText(service)} seen yet.` : 'No deploys seen yet.';
  return truncateMarkup(
    `*Recent deploys${service ? ` of ${escapeText(service)}` : ''}*\n${rows.map((d) => `• ${deployLine(d)}`).join('\n')}`,
    3000,
  );
}

/** `/deploy rollback`: what would happen, with the button that does it (or why it cannot). */
export function rollbackPrompt(plan: RollbackPlan, incidentId: number | null): Block[] {
  if (plan.problem || !plan.to || !plan.from)
    return [section(`⚠️ ${escapeText(plan.problem ?? 'Nothing to roll back.')}`)];
  const text = `Roll back ${target(plan.service, plan.environment)} from *${escapeText(plan.from.version)}* (${slackDate(plan.from.at)}) to *${escapeText(plan.to.version)}* (${slackDate(plan.to.at)}) via ${escapeText(plan.backend ?? '')}?`;
  const warning = plan.lastFailed
    ? `\n⚠️ The last attempt (#${plan.lastFailed.id}) failed: ${escapeText(truncate(plan.lastFailed.error ?? 'no reason given', 500))} Rolling back again retries it.`
    : '';
  return [
    section(text + warning),
    {
      type: 'actions',
      elements: [
        rollbackButton(
          {
            incidentId,
            deployId: plan.from.id,
            toDeployId: plan.to.id,
            retryOf: plan.lastFailed?.id ?? null,
          },
          {
            service: plan.service,
            environment: plan.environment,
            from: plan.from.version,
            to: plan.to.version,
          },
        ),
      ],
    },
  ];
}
