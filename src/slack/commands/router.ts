import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Actor } from '../../incidents/events.js';
import { findIncidentByChannel } from '../../store/incidents.js';
import type { Store } from '../../store/unit-of-work.js';
import type { SubcommandTable } from './types.js';

export function helpText(command: string, table: SubcommandTable): string {
  const lines = Object.entries(table).map(
    ([name, sub]) => `• \`${command} ${sub.usage.startsWith(name) ? sub.usage : name}\``,
  );
  return `*${command}* — what you can do:\n${lines.join('\n')}`;
}

/**
 * `/<command> <subcommand> <args>` → one handler from the table. Acks first (Slack's 3 s),
 * answers unknown subcommands with the help text, and tells people who type an incident
 * command outside an incident channel where to go.
 */
export const routeSubcommands =
  (deps: { store: Store; table: SubcommandTable; actorOf: (userId: string) => Promise<Actor> }) =>
  async ({ ack, command, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    await ack();
    const text = command.text.trim();
    const [word = ''] = text.split(/\s+/);
    const name = word.toLowerCase();
    const sub = deps.table[name];
    if (!sub || name === 'help') {
      const prefix =
        name && name !== 'help' ? `I don't know \`${command.command} ${word}\`.\n\n` : '';
      await respond({
        response_type: 'ephemeral',
        text: prefix + helpText(command.command, deps.table),
      });
      return;
    }
    const incident = await deps.store.read((tx) => findIncidentByChannel(tx, command.channel_id));
    if (sub.needsIncident && !incident) {
      await respond({
        response_type: 'ephemeral',
        text: `\`${command.command} ${name}\` works inside an incident channel. Run it there, or use \`${command.command} list\` to find the incident.`,
      });
      return;
    }
    await sub.run({
      args: text.slice(word.length).trim(),
      command,
      actor: await deps.actorOf(command.user_id),
      incident,
      respond,
      client,
    });
  };
