import type { RespondFn, SlashCommand, webApi } from '@slack/bolt';
import type { Incident } from '../../domain/incident.js';
import type { Actor } from '../../incidents/events.js';

/** What a slash-subcommand handler gets, after the command was acked and parsed. */
export interface SubcommandContext {
  /** The text after the subcommand word, trimmed. */
  args: string;
  command: SlashCommand;
  actor: Actor;
  /** The incident whose channel the command was typed in, if any. */
  incident: Incident | null;
  respond: RespondFn;
  client: webApi.WebClient;
}

export interface Subcommand {
  /** One line for the help text, e.g. "status <update> — post a status update". */
  usage: string;
  /** True when it only makes sense inside an incident channel. */
  needsIncident?: boolean;
  run(ctx: SubcommandContext): Promise<void>;
}

export type SubcommandTable = Readonly<Record<string, Subcommand>>;
