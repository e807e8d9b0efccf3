import { parseDuration } from '../../config.js';
import { deployStatus, recentDeploys } from '../../deploy/reports.js';
import { type Incident, incidentRef, publicName } from '../../domain/incident.js';
import { AppError } from '../../errors.js';
import { listText, rollbackPrompt, statusText } from '../blocks/deploy.js';
import { escapeText } from '../blocks/text.js';
import type { DeploySlackServices } from '../deploy-services.js';
import type { SubcommandTable } from './types.js';

const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, text });
// The manifest asks Slack to escape command text (`should_escape`); a reason is plain text again.
const unescapeSlack = (text: string) =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export interface FreezeArgs {
  services: string[];
  environments: string[];
  durationMs: number | null;
  reason: string;
}

/**
 * `[service] [environment] [duration] [reason…]`, each optional in that order. A word is the
 * environment only when it is one the config knows (or a glob), so
 * `/deploy freeze checkout store migration running` keeps "store migration running" as the reason.
 */
export function parseFreezeArgs(
  args: string,
  context: {
    incident: Incident | null;
    environments: readonly string[];
    defaultEnvironment: string;
    resolve: (name: string) => string;
  },
): FreezeArgs {
  const words = args.split(/\s+/).filter(Boolean);
  const isDuration = (w: string | undefined) => w !== undefined && (parseDuration(w) ?? 0) > 0;
  const known = new Set(
    [...context.environments, context.defaultEnvironment, context.incident?.environment].filter(
      (e): e is string => Boolean(e),
    ),
  );
  let service: string | null = null;
  let environment: string | null = null;
  let durationMs: number | null = null;
  if (words[0] !== undefined && !isDuration(words[0])) {
    const word = words.shift() as string;
    service =
      word === 'all' ? '*' : word.includes('*') ? word.toLowerCase() : context.resolve(word);
  }
  if (words[0] !== undefined && (known.has(words[0].toLowerCase()) || words[0].includes('*')))
    environment = (words.shift() as string).toLowerCase();
  if (isDuration(words[0])) durationMs = parseDuration(words.shift() as string);
  const incident = context.incident;
  const services = service
    ? [service]
    : incident && incident.services.length > 0
      ? [...incident.services]
      : incident
        ? ['*']
        : [];
  return {
    services,
    environments: [environment ?? incident?.environment ?? context.defaultEnvironment],
    durationMs,
    reason: unescapeSlack(words.join(' ')) || (incident ? publicName(incident) : ''),
  };
}

/** The `/deploy` subcommands, for the shared router. */
export function deploySubcommands(s: DeploySlackServices): SubcommandTable {
  const resolve = (name: string) => s.catalog.resolve(name).service;
  const serviceArg = (args: string, incident: Incident | null): string | null => {
    const [word] = args.split(/\s+/).filter(Boolean);
    if (word) return resolve(word);
    return incident?.services.length === 1 ? (incident.services[0] ?? null) : null;
  };

  return {
    freeze: {
      usage: 'freeze [service] [environment] [duration] [reason] — stop deploys (CI asks the gate)',
      async run({ args, actor, incident, command, respond }) {
        const parsed = parseFreezeArgs(args, {
          incident,
          environments: s.policy.environments,
          defaultEnvironment: s.policy.defaultEnvironment,
          resolve,
        });
        if (parsed.services.length === 0 || !parsed.reason) {
          throw new AppError(
            'invalid',
            'Say what to freeze and why, e.g. `/deploy freeze checkout production 2h payment errors` (`*` freezes every service).',
          );
        }
        const freeze = await s.freezes.create(
          { ...parsed, incidentId: incident?.id ?? null, channelId: command.channel_id },
          actor,
        );
        await respond(
          ephemeral(
            `🧊 Freeze #${freeze.id} is on until <!date^${Math.floor(freeze.expiresAt.getTime() / 1000)}^{time}|${freeze.expiresAt.toISOString()}>.`,
          ),
        );
      },
    },
    unfreeze: {
      usage: 'unfreeze [service|#id] — lift a freeze (in an incident channel: its freezes)',
      async run({ args, actor, incident, respond }) {
        const word = args.trim();
        const id = /^#?(\d+)$/.exec(word)?.[1];
        if (id) {
          await s.freezes.lift(Number(id), actor);
          await respond(ephemeral(`🌤 Freeze #${id} lifted.`));
          return;
        }
        if (!word && !incident)
          throw new AppError(
            'invalid',
            'Say which freeze: `/deploy unfreeze <service>` or `/deploy unfreeze #<id>` (see `/deploy status`).',
          );
        const lifted = word
          ? await s.freezes.liftMatching({ service: resolve(word) }, actor)
          : await s.freezes.liftMatching({ incidentId: incident?.id }, actor);
        await respond(
          ephemeral(
            lifted.length > 0
              ? `🌤 Lifted ${lifted.map((f) => `#${f.id}`).join(', ')}.`
              : `Nothing is frozen for ${word ? `\`${word}\`` : incidentRef(incident?.id ?? 0)}.`,
          ),
        );
      },
    },
    status: {
      usage: 'status [service] — freezes, rollbacks and the latest deploys',
      async run({ args, respond }) {
        const service = args.trim() ? resolve(args.trim()) : null;
        const active = await s.freezes.active();
        const status = await s.store.read((tx) => deployStatus(tx, active, service));
        await respond(ephemeral(statusText(status)));
      },
    },
    list: {
      usage: 'list [service] — recent deploys (unmapped services marked)',
      async run({ args, respond }) {
        const service = args.trim() ? resolve(args.trim()) : null;
        await respond(
          ephemeral(listText(await s.store.read((tx) => recentDeploys(tx, service)), service)),
        );
      },
    },
    rollback: {
      usage: 'rollback <service> [environment] — roll the latest deploy back (asks to confirm)',
      async run({ args, incident, respond }) {
        const service = serviceArg(args, incident);
        if (!service)
          throw new AppError(
            'invalid',
            'Say which service: `/deploy rollback <service> [environment]`.',
          );
        const environment =
          args.split(/\s+/).filter(Boolean)[1]?.toLowerCase() ??
          incident?.environment ??
          s.policy.defaultEnvironment;
        const plan = await s.rollbacks.plan(service, environment, incident?.id ?? null);
        const blocks = rollbackPrompt(plan, incident?.id ?? null);
        await respond({
          response_type: 'ephemeral',
          text: escapeText(plan.problem ?? `Roll back ${service} in ${environment}?`),
          blocks,
        });
      },
    },
    help: {
      usage: 'help — this list',
      async run() {
        // The router answers `help` itself; this entry puts it in the list.
      },
    },
  };
}
