import { pino } from 'pino';
import { createCatalog } from '../../src/catalog.js';
import type { ChatMessage } from '../../src/domain/messages.js';
import { chatLane, messageEffect, publishEffect } from '../../src/incidents/effects.js';
import type { IncidentListener } from '../../src/incidents/events.js';
import { createAlertIntake } from '../../src/incidents/intake.js';
import { createIncidents } from '../../src/incidents/service.js';
import { createOutboxWorker, DeliveryError } from '../../src/outbox/worker.js';
import { createPagerDelivery } from '../../src/paging/delivery.js';
import { createPagerDutyInbound } from '../../src/paging/inbound.js';
import type { PagingPolicy } from '../../src/paging/policy.js';
import type {
  PagedIncident,
  PageRequest,
  Pager,
  PagerEvent,
  PagerUser,
  People,
} from '../../src/paging/ports.js';
import { createPaging } from '../../src/paging/service.js';
import type { Chat } from '../../src/read-model/ports.js';
import { createPublisher } from '../../src/read-model/publish.js';
import { laneItems } from '../../src/store/outbox.js';
import { type PageRow, pagesOf } from '../../src/store/paging.js';
import { testDb } from './db.js';

type Op = 'createIncident' | 'acknowledge' | 'resolve' | 'onCall' | 'user' | 'sendEvent';

/** A Pager that records what it was asked and answers from a small in-memory PagerDuty. */
export function fakePager(users: PagerUser[] = [ALICE, BOB]) {
  const calls: Array<{ op: Op; args: unknown[] }> = [];
  const failures: Array<{ op: Op; error: Error }> = [];
  const onCall = new Map<string, string>([['PEPOL01', 'PALICE1']]);
  let n = 0;
  const byKey = new Map<string, PagedIncident>();
  const take = (op: Op, args: unknown[]) => {
    calls.push({ op, args });
    const i = failures.findIndex((f) => f.op === op);
    if (i >= 0) {
      const [failure] = failures.splice(i, 1);
      throw failure?.error;
    }
  };
  const pager: Pager = {
    async createIncident(request: PageRequest) {
      take('createIncident', [request]);
      const known = byKey.get(request.incidentKey);
      if (known) return { ...known, existing: true };
      n++;
      const created = {
        id: `Q${n}`,
        htmlUrl: `https://acme.pagerduty.com/incidents/Q${n}`,
        existing: false,
        assignees: ['Alice Oncall'],
      };
      byKey.set(request.incidentKey, created);
      return created;
    },
    async acknowledge(id: string) {
      take('acknowledge', [id]);
    },
    async resolve(id: string, resolution: string) {
      take('resolve', [id, resolution]);
    },
    async onCall(policyId: string) {
      take('onCall', [policyId]);
      const userId = onCall.get(policyId);
      return users.find((u) => u.id === userId) ?? null;
    },
    async user(id: string) {
      take('user', [id]);
      return users.find((u) => u.id === id) ?? null;
    },
    async sendEvent(event: PagerEvent) {
      take('sendEvent', [event]);
    },
  };
  return {
    pager,
    calls,
    onCall,
    ops: (op: Op) => calls.filter((c) => c.op === op),
    failNext(op: Op, error: Error, times = 1) {
      for (let i = 0; i < times; i++) failures.push({ op, error });
    },
  };
}

export function fakePeople(directory: Record<string, string>) {
  const asked: string[] = [];
  const people: People = {
    async findByEmail(email) {
      asked.push(email);
      return directory[email] ?? null;
    },
  };
  return { people, asked };
}

export const ALICE: PagerUser = { id: 'PALICE1', name: 'Alice Oncall', email: 'alice@example.com' };
export const BOB: PagerUser = { id: 'PBOB002', name: 'Bob Backup', email: 'bob@example.com' };

export const retryable = (message = 'PagerDuty answered HTTP 500') => new DeliveryError(message);
export const permanent = (message = 'PagerDuty answered HTTP 400') =>
  new DeliveryError(message, { permanent: true });

export interface PagingSetupOptions {
  policy?: Partial<PagingPolicy>;
  maxAttempts?: number;
  /** Publish incidents through the real publisher onto this chat (channels get ids). */
  chat?: Chat;
}

/** A chat platform that opens every incident's channel as C0INC000<n> and shows what it is asked. */
export function fakeChat(): Chat {
  let ts = 0;
  const shown = async () => ({ ts: `1763800000.${String(++ts).padStart(6, '0')}`, hash: null });
  return {
    openChannel: async (incident) => ({
      id: `C0INC${String(incident.id).padStart(4, '0')}`,
      name: `inc-${incident.id}`,
    }),
    showTopic: async (_channel, _view, current) => current ?? 'topic',
    invite: async () => {},
    members: async () => [],
    showCard: shown,
    pin: async () => {},
    showAnnouncement: shown,
    post: shown,
    archiveChannel: async () => {},
  };
}

/** The paging core over a real SQLite database and the real lifecycle, with fake PagerDuty and Slack. */
export function setupPaging(options: PagingSetupOptions = {}) {
  // The real clock: the outbox's backoff waits on it.
  const now = () => new Date();
  const { store, close } = testDb();
  const catalog = createCatalog({
    checkout: { aliases: ['checkout-api'], owners: [] },
    payments: { aliases: [], owners: [] },
    search: { aliases: [], owners: [] },
  });
  const policy: PagingPolicy = {
    restEnabled: true,
    services: {
      checkout: { pagerduty: { serviceId: 'PSVC001', escalationPolicyId: 'PEPOL01' } },
      payments: { pagerduty: { routingKey: 'e93facc04764012d7bfb002500d5d1a6' } },
      search: {},
    },
    urgency: { sev1: 'high', sev2: 'high', sev3: 'low', sev4: 'low' },
    priorities: { P1: 'sev1', P2: 'sev2' },
    autoResolve: false,
    ...options.policy,
  };
  const fake = fakePager();
  const directory = fakePeople({
    'alice@example.com': 'U0ALICE01',
    'bob@example.com': 'U0BOB0001',
  });
  const kick = () => {};
  const listeners: IncidentListener[] = [];
  const lifecyclePolicy = {
    defaultEnvironment: 'production',
    reminders: {},
    unownedReminderMs: 10 * 60_000,
    deployers: [],
    commanders: [],
  };
  const incidents = createIncidents({
    store,
    now,
    catalog,
    kick,
    listeners,
    policy: lifecyclePolicy,
  });
  const intake = createAlertIntake({
    store,
    now,
    catalog,
    kick,
    listeners,
    policy: { ...lifecyclePolicy, severityLabels: undefined, autoResolve: false },
  });
  const paging = createPaging({ store, now, catalog, kick, policy });
  listeners.push(paging.listener);
  const worker = createOutboxWorker({
    store,
    now,
    log: pino({ level: 'silent' }),
    effects: [
      // Slack is not part of these tests: its messages are read from the outbox table.
      publishEffect.handledBy(
        options.chat
          ? (() => {
              const publisher = createPublisher({
                store,
                chat: options.chat,
                catalog,
                now,
                announceChannel: undefined,
              });
              return async ({ incidentId }) => await publisher.publish(incidentId);
            })()
          : async () => {},
      ),
      messageEffect.handledBy(async () => {}),
      ...createPagerDelivery({
        store,
        now,
        kick,
        policy,
        pager: fake.pager,
        people: directory.people,
        incidents,
        channelUrl: (id) => `https://slack.com/app_redirect?channel=${id}`,
        maxAttempts: options.maxAttempts ?? 4,
      }),
    ],
    pollMs: 10,
    baseDelayMs: 1,
    maxDelayMs: 5,
  });
  const inbound = createPagerDutyInbound({ store, now, kick, policy, intake, incidents });

  /** The incident's chat messages enqueued so far (delivered or not), oldest first. */
  const messages = async (incidentId: number): Promise<ChatMessage[]> =>
    (await store.read((tx) => laneItems(tx, chatLane(incidentId))))
      .filter((r) => r.kind === 'chat.message')
      .map((r) => r.payload.message as ChatMessage);

  return {
    store,
    incidents,
    intake,
    paging,
    inbound,
    worker,
    fake,
    directory,
    policy,
    messages,
    pagesOf: (incidentId: number): Promise<PageRow[]> =>
      store.read((tx) => pagesOf(tx, incidentId)),
    now,
    async drain() {
      const done = await worker.drain(5000);
      if (!done) throw new Error('outbox did not drain');
    },
    async close() {
      await worker.stop();
      close();
    },
  };
}
