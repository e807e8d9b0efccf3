// views.* and trigger ids: single use, valid for 3 s (docs.slack.dev/tools/bolt-js/concepts/creating-modals).
import { randomBytes } from 'node:crypto';
import { validateView } from './block-kit.js';
import {
  type Args,
  type EmulatedView,
  type EmulatorState,
  fail,
  isRecord,
  jsonArg,
  type MethodContext,
  type MethodHandler,
  nextId,
  ok,
  type SlackFail,
  str,
  type ViewMethod,
} from './model.js';

export const TRIGGER_TTL_MS = 3000;
/** A modal stack holds the root view plus at most two pushed views. */
const STACK_LIMIT = 3;

export function mintTriggerId(state: EmulatorState, nowMs: number): string {
  const n = (state.counters.get('trigger') ?? 0) + 1;
  state.counters.set('trigger', n);
  // Same shape as real trigger ids: "<digits>.<digits>.<32 hex>".
  const id = `${1_000_000 + n}.${Math.floor(nowMs / 1000)}.${randomBytes(16).toString('hex')}`;
  state.triggers.set(id, { id, issuedAt: nowMs, used: false });
  return id;
}

function exchangeTrigger(args: Args, ctx: MethodContext): string | SlackFail {
  const id = str(args, 'trigger_id');
  if (id === undefined || id === '') {
    return fail('invalid_arguments', {
      response_metadata: { messages: ['[ERROR] missing required field: trigger_id'] },
    });
  }
  const trigger = ctx.state.triggers.get(id);
  if (trigger === undefined) return fail('invalid_trigger_id');
  if (trigger.used) return fail('exchanged_trigger_id');
  if (ctx.now() - trigger.issuedAt > ctx.triggerTtlMs) return fail('expired_trigger_id');
  trigger.used = true;
  return id;
}

function viewArg(args: Args): Record<string, unknown> | SlackFail {
  const parsed = jsonArg(args, 'view');
  if (parsed === undefined) {
    return fail('invalid_arguments', {
      response_metadata: { messages: ['[ERROR] missing required field: view'] },
    });
  }
  if ('invalid' in parsed) return fail('invalid_arguments');
  return validateView(parsed.value) ?? (parsed.value as Record<string, unknown>);
}

const isFail = (value: unknown): value is SlackFail => isRecord(value) && value.ok === false;

const newHash = (ctx: MethodContext) =>
  `${Math.floor(ctx.now() / 1000)}.${randomBytes(4).toString('hex')}`;

function viewJson(record: EmulatedView, ctx: MethodContext): Record<string, unknown> {
  const v = record.view;
  return {
    id: record.id,
    team_id: ctx.identity.teamId,
    type: v.type,
    blocks: v.blocks ?? [],
    private_metadata: v.private_metadata ?? '',
    callback_id: v.callback_id ?? '',
    state: { values: {} },
    hash: record.hash,
    title: v.title ?? null,
    close: v.close ?? null,
    submit: v.submit ?? null,
    clear_on_close: v.clear_on_close ?? false,
    notify_on_close: v.notify_on_close ?? false,
    previous_view_id: record.previous_view_id,
    root_view_id: record.root_view_id,
    app_id: ctx.identity.appId,
    external_id: v.external_id ?? '',
    app_installed_team_id: ctx.identity.teamId,
    bot_id: ctx.identity.botId,
  };
}

function record(
  ctx: MethodContext,
  method: ViewMethod,
  view: Record<string, unknown>,
  extra: Partial<EmulatedView> = {},
): EmulatedView {
  const id = nextId(ctx.state, 'V');
  const created: EmulatedView = {
    id,
    view,
    hash: newHash(ctx),
    method,
    updates: 0,
    root_view_id: id,
    previous_view_id: null,
    at: ctx.now(),
    ...extra,
  };
  ctx.state.views.push(created);
  return created;
}

function duplicateExternalId(ctx: MethodContext, view: Record<string, unknown>, except?: string) {
  const externalId = view.external_id;
  return (
    typeof externalId === 'string' &&
    externalId !== '' &&
    ctx.state.views.some((v) => v.id !== except && v.view.external_id === externalId)
  );
}

const open: MethodHandler = (args, ctx) => {
  const view = viewArg(args);
  if (isFail(view)) return view;
  if (view.type !== 'modal') return fail('invalid_arguments');
  if (duplicateExternalId(ctx, view)) return fail('duplicate_external_id');
  const trigger = exchangeTrigger(args, ctx);
  if (isFail(trigger)) return trigger;
  return ok({ view: viewJson(record(ctx, 'views.open', view, { trigger_id: trigger }), ctx) });
};

const push: MethodHandler = (args, ctx) => {
  const view = viewArg(args);
  if (isFail(view)) return view;
  if (view.type !== 'modal') return fail('invalid_arguments');
  const trigger = exchangeTrigger(args, ctx);
  if (isFail(trigger)) return trigger;
  // The emulator cannot know which modal the user clicked in, so it pushes onto the newest stack.
  const top = [...ctx.state.views].reverse().find((v) => v.method !== 'views.publish');
  if (top === undefined) return fail('not_found');
  const depth = ctx.state.views.filter((v) => v.root_view_id === top.root_view_id).length;
  if (depth >= STACK_LIMIT) return fail('push_limit_reached');
  const pushed = record(ctx, 'views.push', view, {
    trigger_id: trigger,
    root_view_id: top.root_view_id,
    previous_view_id: top.id,
  });
  return ok({ view: viewJson(pushed, ctx) });
};

const update: MethodHandler = (args, ctx) => {
  const viewId = str(args, 'view_id');
  const externalId = str(args, 'external_id');
  if (viewId === undefined && externalId === undefined) return fail('invalid_arguments');
  const existing = ctx.state.views.find((v) =>
    viewId !== undefined ? v.id === viewId : v.view.external_id === externalId,
  );
  if (existing === undefined) return fail('not_found');
  const hash = str(args, 'hash');
  if (hash !== undefined && hash !== existing.hash) return fail('hash_conflict');
  const view = viewArg(args);
  if (isFail(view)) return view;
  if (duplicateExternalId(ctx, view, existing.id)) return fail('duplicate_external_id');
  existing.view = view;
  existing.hash = newHash(ctx);
  existing.updates += 1;
  return ok({ view: viewJson(existing, ctx) });
};

const publish: MethodHandler = (args, ctx) => {
  const userId = str(args, 'user_id');
  if (userId === undefined || !ctx.state.users.has(userId)) return fail('user_not_found');
  const view = viewArg(args);
  if (isFail(view)) return view;
  if (view.type !== 'home') return fail('invalid_arguments');
  const existing = ctx.state.views.find(
    (v) => v.method === 'views.publish' && v.user_id === userId,
  );
  const hash = str(args, 'hash');
  if (existing !== undefined && hash !== undefined && hash !== existing.hash) {
    return fail('hash_conflict');
  }
  if (existing === undefined) {
    return ok({ view: viewJson(record(ctx, 'views.publish', view, { user_id: userId }), ctx) });
  }
  existing.view = view;
  existing.hash = newHash(ctx);
  existing.updates += 1;
  return ok({ view: viewJson(existing, ctx) });
};

export const viewMethods: Record<string, MethodHandler> = {
  'views.open': open,
  'views.push': push,
  'views.update': update,
  'views.publish': publish,
};
