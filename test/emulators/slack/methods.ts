// The method table: every Web API method the emulator answers, by name.
import { chatMethods } from './chat.js';
import { conversationMethods } from './conversations.js';
import { fileMethods } from './files.js';
import { fail, type MethodHandler, ok, str, userJson } from './model.js';
import { viewMethods } from './views.js';

const authTest: MethodHandler = (_args, ctx) =>
  ok({
    url: 'https://firebreak-emulated.slack.com/',
    team: 'Firebreak (emulated)',
    user: ctx.state.users.get(ctx.caller)?.name ?? 'firebreak',
    team_id: ctx.identity.teamId,
    user_id: ctx.caller,
    bot_id: ctx.identity.botId,
    is_enterprise_install: false,
  });

const usersInfo: MethodHandler = (args, ctx) => {
  const user = ctx.state.users.get(str(args, 'user') ?? '');
  return user === undefined
    ? fail('user_not_found')
    : ok({ user: userJson(user, ctx.identity.teamId) });
};

const usersLookupByEmail: MethodHandler = (args, ctx) => {
  const email = str(args, 'email')?.toLowerCase();
  const user = [...ctx.state.users.values()].find((u) => u.email?.toLowerCase() === email);
  return user === undefined
    ? fail('users_not_found')
    : ok({ user: userJson(user, ctx.identity.teamId) });
};

const usergroupsUsersList: MethodHandler = (args, ctx) => {
  const members = ctx.state.usergroups.get(str(args, 'usergroup') ?? '');
  return members === undefined ? fail('no_such_subteam') : ok({ users: [...members] });
};

// Token type (xapp-) is checked by the server before any handler runs.
const appsConnectionsOpen: MethodHandler = (_args, ctx) =>
  ok({ url: `${ctx.url.replace(/^http/, 'ws')}/socket-mode` });

export const METHODS: Readonly<Record<string, MethodHandler>> = {
  'auth.test': authTest,
  'users.info': usersInfo,
  'users.lookupByEmail': usersLookupByEmail,
  'usergroups.users.list': usergroupsUsersList,
  'apps.connections.open': appsConnectionsOpen,
  ...conversationMethods,
  ...chatMethods,
  ...viewMethods,
  ...fileMethods,
};
