// manifests/slack-app.yaml must declare exactly what the code uses, both ways: the commands,
// shortcuts and events registered on the real Bolt app (watched while registerListeners runs),
// and the bot scopes that the Web API methods called in src/ and those events need.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from '@slack/bolt';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parse } from 'yaml';
import { startTestApp, type TestApp } from '../support/app.js';

const ROOT = join(import.meta.dirname, '../..');

/**
 * Bot scopes per Web API method. Conversation methods list the public (channels:*) and the
 * private (groups:*) scope, since incident channels may be either (incidents.private). A method
 * missing here fails the test: add it with the scopes from its docs.slack.dev page.
 */
const METHOD_SCOPES: Readonly<Record<string, readonly string[]>> = {
  'auth.test': [],
  'apps.connections.open': [], // the app-level token (connections:write), not a bot scope
  'views.open': [],
  'views.push': [],
  'views.update': [],
  'views.publish': [],
  'chat.getPermalink': [],
  'chat.postMessage': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.delete': ['chat:write'],
  'conversations.create': ['channels:manage', 'groups:write'],
  'conversations.invite': ['channels:manage', 'groups:write'],
  'conversations.setTopic': ['channels:manage', 'groups:write'],
  'conversations.setPurpose': ['channels:manage', 'groups:write'],
  'conversations.archive': ['channels:manage', 'groups:write'],
  'conversations.join': ['channels:join'],
  // Direct messages to the people an escalation tier calls (one person: im:write).
  'conversations.open': ['im:write'],
  'conversations.list': ['channels:read', 'groups:read'],
  'conversations.info': ['channels:read', 'groups:read'],
  'conversations.members': ['channels:read', 'groups:read'],
  'conversations.history': ['channels:history', 'groups:history'],
  'conversations.replies': ['channels:history', 'groups:history'],
  'pins.add': ['pins:write'],
  'pins.remove': ['pins:write'],
  'pins.list': ['pins:read'],
  'reactions.add': ['reactions:write'],
  'reactions.get': ['reactions:read'],
  'bookmarks.add': ['bookmarks:write'],
  'users.info': ['users:read'],
  'users.list': ['users:read'],
  'users.lookupByEmail': ['users:read', 'users:read.email'],
  'usergroups.list': ['usergroups:read'],
  'usergroups.users.list': ['usergroups:read'],
  'files.uploadV2': ['files:write'],
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
};

/** Bot scopes an event subscription needs. */
const EVENT_SCOPES: Readonly<Record<string, readonly string[]>> = {
  app_mention: ['app_mentions:read'],
  app_home_opened: [],
  reaction_added: ['reactions:read'],
  reaction_removed: ['reactions:read'],
  member_joined_channel: ['channels:read', 'groups:read'],
  member_left_channel: ['channels:read', 'groups:read'],
  channel_archive: ['channels:read'],
  'message.channels': ['channels:history'],
  'message.groups': ['groups:history'],
};

const GROUPS = 'apps|auth|bookmarks|chat|conversations|files|pins|reactions|usergroups|users|views';
/** `client.conversations.create(`, `web.auth.test(`, `client.usergroups.users.list(`… */
const CALL = new RegExp(
  `\\b(?:client|web)\\s*\\.\\s*((?:${GROUPS})(?:\\s*\\.\\s*\\w+)+)\\s*\\(`,
  'g',
);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

function calledMethods(): Set<string> {
  const methods = new Set<string>();
  for (const file of sourceFiles(join(ROOT, 'src')))
    for (const match of readFileSync(file, 'utf8').matchAll(CALL))
      methods.add((match[1] ?? '').replace(/\s+/g, ''));
  return methods;
}

interface Registered {
  commands: Set<string>;
  /** callback_id → 'message' | 'global' (undefined: registered without a type). */
  shortcuts: Map<string, string | undefined>;
  events: Set<string>;
  /** app.message(): needs message.* events. */
  messages: boolean;
  /** Actions, views or shortcuts: interactivity must be on. */
  interactive: boolean;
  problems: string[];
}

/** Watches the registrations on the real Bolt app; every call still goes through. */
function watch(app: App, seen: Registered): void {
  const target = app as unknown as Record<string, (...args: unknown[]) => unknown>;
  const spy = (method: string, see: (first: unknown) => void) => {
    const original = target[method]?.bind(app);
    if (!original) throw new Error(`Bolt App has no ${method}()`);
    target[method] = (...args: unknown[]) => {
      see(args[0]);
      return original(...args);
    };
  };
  const name = (kind: string, value: unknown): string | null => {
    if (typeof value === 'string') return value;
    seen.problems.push(`${kind} registered with ${String(value)}: the manifest needs a fixed name`);
    return null;
  };
  spy('command', (first) => {
    const command = name('command', first);
    if (command) seen.commands.add(command);
  });
  spy('shortcut', (first) => {
    seen.interactive = true;
    const constraints =
      typeof first === 'object' && first !== null && !(first instanceof RegExp)
        ? (first as { callback_id?: unknown; type?: string })
        : { callback_id: first };
    const id = name('shortcut', constraints.callback_id);
    const type =
      constraints.type === 'message_action'
        ? 'message'
        : constraints.type === 'shortcut'
          ? 'global'
          : undefined;
    if (id) seen.shortcuts.set(id, type);
  });
  spy('event', (first) => {
    const event = name('event', first);
    if (event === 'message') seen.messages = true;
    else if (event) seen.events.add(event);
  });
  spy('message', () => {
    seen.messages = true;
  });
  for (const method of ['action', 'view', 'options'])
    spy(method, () => {
      seen.interactive = true;
    });
}

interface Manifest {
  features?: {
    app_home?: { home_tab_enabled?: boolean };
    slash_commands?: { command: string; url?: string; should_escape?: boolean }[];
    shortcuts?: { callback_id: string; type: string; name: string; description: string }[];
  };
  oauth_config?: { scopes?: { bot?: string[] } };
  settings?: {
    event_subscriptions?: { bot_events?: string[]; request_url?: string };
    interactivity?: { is_enabled?: boolean; request_url?: string };
    socket_mode_enabled?: boolean;
  };
}

const manifest = parse(readFileSync(join(ROOT, 'manifests/slack-app.yaml'), 'utf8')) as Manifest;
const seen: Registered = {
  commands: new Set(),
  shortcuts: new Map(),
  events: new Set(),
  messages: false,
  interactive: false,
  problems: [],
};
let bot: TestApp | undefined;
beforeAll(async () => {
  bot = await startTestApp({ app: { onSlackApp: (app) => watch(app, seen) } });
  await bot.app.slackApp(); // Bolt is built on first use: build it now, to see its listeners
});
afterAll(() => bot?.stop());

const sorted = (values: Iterable<string>) => [...values].sort();

test('every registered listener is watched by name (no patterns the manifest cannot list)', () => {
  expect(seen.problems).toEqual([]);
  expect(seen.commands.size).toBeGreaterThan(0);
});

test('slash commands: the manifest lists exactly the registered ones, each escaped and routed', () => {
  const listed = manifest.features?.slash_commands ?? [];
  expect(sorted(listed.map((c) => c.command))).toEqual(sorted(seen.commands));
  for (const command of listed) {
    // Mentions must arrive as <@U…|name> for `owner @user` and friends.
    expect(command.should_escape, command.command).toBe(true);
    if (!manifest.settings?.socket_mode_enabled)
      expect(command.url, command.command).toMatch(/\/slack\/events$/);
  }
});

test('shortcuts: the manifest lists exactly the registered ones, with the right type', () => {
  const listed = manifest.features?.shortcuts ?? [];
  expect(sorted(listed.map((s) => s.callback_id))).toEqual(sorted(seen.shortcuts.keys()));
  for (const shortcut of listed) {
    const type = seen.shortcuts.get(shortcut.callback_id);
    if (type) expect(shortcut.type, shortcut.callback_id).toBe(type);
    expect(shortcut.description.length).toBeGreaterThan(0);
  }
});

test('events and interactivity: subscribed exactly to what is listened to', () => {
  const listed = manifest.settings?.event_subscriptions?.bot_events ?? [];
  expect(sorted(listed.filter((e) => !e.startsWith('message.')))).toEqual(sorted(seen.events));
  expect(listed.some((e) => e.startsWith('message.'))).toBe(seen.messages);
  expect(manifest.settings?.interactivity?.is_enabled ?? false).toBe(seen.interactive);
  if (listed.length > 0 && !manifest.settings?.socket_mode_enabled)
    expect(manifest.settings?.event_subscriptions?.request_url).toMatch(/\/slack\/events$/);
});

test('bot scopes: exactly those the called Web API methods, the events and the commands need', () => {
  const methods = calledMethods();
  expect(methods.has('chat.postMessage')).toBe(true); // the scan itself works
  const unknown = [...methods].filter((m) => !(m in METHOD_SCOPES));
  expect(unknown, 'add these methods and their scopes to METHOD_SCOPES').toEqual([]);
  const events = [
    ...seen.events,
    ...(manifest.settings?.event_subscriptions?.bot_events ?? []).filter((e) =>
      e.startsWith('message.'),
    ),
  ];
  const unknownEvents = events.filter((e) => !(e in EVENT_SCOPES));
  expect(unknownEvents, 'add these events and their scopes to EVENT_SCOPES').toEqual([]);
  const needed = new Set([
    ...[...methods].flatMap((m) => METHOD_SCOPES[m] ?? []),
    ...events.flatMap((e) => EVENT_SCOPES[e] ?? []),
    ...(seen.commands.size + seen.shortcuts.size > 0 ? ['commands'] : []),
  ]);
  expect(sorted(manifest.oauth_config?.scopes?.bot ?? [])).toEqual(sorted(needed));
});

test('the Home tab is enabled exactly when app_home_opened is listened to', () => {
  expect(seen.events.has('app_home_opened')).toBe(true);
  expect(manifest.features?.app_home?.home_tab_enabled ?? false).toBe(
    seen.events.has('app_home_opened'),
  );
});
