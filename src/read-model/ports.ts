import type { Incident } from '../domain/incident.js';
import type { ChatMessage } from '../domain/messages.js';
import type { IncidentView } from './incident-view.js';

/** A message shown in place and updated later: where it is and a hash of what it shows. */
export interface ShownMessage {
  ts: string;
  hash: string | null;
}

export interface PostOptions {
  /** An earlier attempt may have posted it before dying: look for it before posting again. */
  mayExist?: boolean;
}

/**
 * What the core needs from the chat platform, in its own words. Implemented by
 * src/slack/chat.ts. Every method may be retried after a crash, so each must be safe to
 * repeat: `openChannel` adopts the channel it created earlier instead of making another.
 */
export interface Chat {
  /** Creates (or finds, after a crash) the incident's channel. */
  openChannel(incident: Incident): Promise<{ id: string; name: string }>;
  /** Sets the channel topic unless it already reads `current`; returns the topic now set. */
  showTopic(channelId: string, view: IncidentView, current: string | null): Promise<string>;
  /** Invites users; users already in the channel are fine. */
  invite(channelId: string, userIds: readonly string[]): Promise<void>;
  /** Who is in the channel now (people and bots alike). */
  members(channelId: string): Promise<string[]>;
  /** Posts the incident card, or updates it in place when `current` is given. */
  showCard(
    channelId: string,
    view: IncidentView,
    current: ShownMessage | null,
    options?: PostOptions,
  ): Promise<ShownMessage>;
  pin(channelId: string, ts: string): Promise<void>;
  /** The one-message summary in the announce channel, posted once and updated in place. */
  showAnnouncement(
    channelId: string,
    view: IncidentView,
    current: ShownMessage | null,
    options?: PostOptions,
  ): Promise<ShownMessage>;
  post(
    channelId: string,
    message: ChatMessage,
    view: IncidentView,
    threadTs?: string,
  ): Promise<{ ts: string }>;
  /** Archives the channel; an already archived one is fine. */
  archiveChannel(channelId: string): Promise<void>;
}
