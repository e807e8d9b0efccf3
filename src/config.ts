import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { AlertFreezePolicy } from './deploy/alert-freezes.js';
import type { AutoRollbackPolicy } from './deploy/auto-rollback-decide.js';
import type { FreezePolicy } from './deploy/freezes.js';
import type { IncidentGatePolicy } from './deploy/incident-gate.js';
import type { RollbackPolicy } from './deploy/rollback.js';
import type { SuspectPolicy } from './deploy/suspects.js';
import { TEMPLATE_VARIABLES, unknownVariables } from './deploy/template.js';
import { AUTO_ROLLBACK_MODES } from './domain/auto-rollback.js';
import { SEVERITIES } from './domain/incident.js';
import { isTimeZone, type OfficeHours, WEEKDAYS } from './domain/office-hours.js';
import type { EscalationPolicy } from './incidents/escalation-decide.js';
import type { IntakePolicy } from './incidents/intake.js';
import type { ReminderPolicy } from './incidents/reminders.js';
import type { LifecyclePolicy } from './incidents/service.js';
import type { PagingPolicy } from './paging/policy.js';

// The only module that reads process.env (it is handed the env object by main.ts or the CLI).

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** "90s", "30m", "2h", "1h30m", "7d" → milliseconds. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === '') return null;
  const [, d, h, min, s] = m;
  return (
    ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 +
    Number(s ?? 0) * 1000
  );
}

const duration = z.string().transform((text, ctx) => {
  const value = parseDuration(text);
  if (value === null || value <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration like 30m, 2h or 7d` });
    return z.NEVER;
  }
  return value;
});

const severity = z.enum(SEVERITIES);
/** Slack shows at most 75 characters of an option's text, and 10 checkboxes in one group. */
export const CHECKLIST_STEP_MAX = 75;
export const CHECKLIST_MAX_STEPS = 10;
const slackId = z
  .string()
  .regex(/^[A-Z0-9]{2,}$/, 'must be a Slack id like U0123ABCD or C0123ABCD');
const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'must be a name of letters, digits, . _ -');

// How long to follow a rollback the backend runs asynchronously, and how often to ask.
const following = {
  waitFor: duration.default(15 * 60_000),
  pollInterval: duration.default(5_000),
};
const webhookBackend = z.object({
  backend: z.literal('webhook'),
  url: z.url(),
  secret: z.string().min(16, 'webhook secrets need at least 16 characters'),
  // One HTTP request; a receiver that works longer answers 202 and reports back (callback or poll).
  timeout: duration.default(10_000),
  ...following,
});
// `{{name}}` placeholders must name a variable firebreak fills and validates (deploy/template.ts).
const templated = z.string().superRefine((text, ctx) => {
  const unknown = unknownVariables([text]);
  if (unknown.length > 0)
    ctx.addIssue({
      code: 'custom',
      message: `uses {{${unknown.join('}}, {{')}}}; known: ${TEMPLATE_VARIABLES.join(', ')}`,
    });
});
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
const commandBackend = z.object({
  backend: z.literal('command'),
  argv: z.array(templated).min(1),
  timeout: duration.default(300_000),
  cwd: z.string().optional(),
  // What the command gets besides PATH and HOME (values may use ${VAR}); after loading, its
  // whole environment (see withCommandEnvironment).
  env: z.record(envName, z.string()).default({}),
});
const githubBackend = z.object({
  backend: z.literal('github'),
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name'),
  workflow: z.string().min(1),
  ref: z.string().default('main'),
  token: z.string().min(1),
  apiUrl: z.url().default('https://api.github.com'),
  inputs: z.record(z.string(), templated).default({}),
  timeout: duration.default(10_000),
  ...following,
  waitFor: duration.default(30 * 60_000),
  pollInterval: duration.default(10_000),
});
const argocdBackend = z.object({
  backend: z.literal('argocd'),
  url: z.url(),
  app: z.string().min(1),
  appNamespace: z.string().optional(),
  project: z.string().optional(),
  token: z.string().min(1),
  // Argo CD refuses a rollback while auto-sync is on; with this set we pause it first.
  disableAutoSync: z.boolean().default(true),
  timeout: duration.default(10_000),
  ...following,
});
export const RollbackBackendConfig = z.discriminatedUnion('backend', [
  webhookBackend,
  commandBackend,
  githubBackend,
  argocdBackend,
]);
export type RollbackBackendConfig = z.infer<typeof RollbackBackendConfig>;

// deploys.autoRollback; a service's own `autoRollback` overrides any of these keys for it.
const autoRollbackKeys = {
  mode: z.enum(AUTO_ROLLBACK_MODES),
  // How long before the first alert a deploy is the one to roll back.
  window: duration,
  // The least severe incident that triggers it (sev1 is the most severe).
  minSeverity: severity,
  // How long people have to press Cancel before it runs (mode: on).
  veto: duration,
  // No second automatic rollback of the same service+environment for this long.
  cooldown: duration,
};
const autoRollbackOverride = z.object(autoRollbackKeys).partial();
// Where follow-ups become issues (src/trackers/). Tokens come from `${VAR}` references.
const trackerCommon = {
  labels: z.array(z.string().min(1).max(50)).max(10).default([]),
  // Signs the tracker's webhooks to /webhooks/trackers/…: closing the issue marks it done.
  webhookSecret: z.string().min(16, 'webhook secrets need at least 16 characters').optional(),
  timeout: duration.default(10_000),
};
const githubTracker = z.object({
  kind: z.literal('github'),
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name'),
  token: z.string().min(1),
  apiUrl: z.url().default('https://api.github.com'),
  ...trackerCommon,
});
const jiraTracker = z.object({
  kind: z.literal('jira'),
  // The site, e.g. https://acme.atlassian.net
  url: z.url({ protocol: /^https?$/ }),
  email: z.email('must be the e-mail of the Jira user the API token belongs to'),
  token: z.string().min(1),
  project: z.string().regex(/^[A-Z][A-Z0-9_]{1,9}$/, 'must be a Jira project key like OPS'),
  issueType: z.string().min(1).default('Task'),
  ...trackerCommon,
});
export const TrackerConfig = z.discriminatedUnion('kind', [githubTracker, jiraTracker]);
export type TrackerConfig = z.infer<typeof TrackerConfig>;

const serviceConfig = z.object({
  aliases: z.array(z.string().min(1)).default([]),
  owners: z.array(slackId).default([]),
  /** Shown on the card of every incident of the service, as a Runbook button. */
  runbook: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional(),
  /** Steps people tick on the card of every incident of the service (src/incidents/checklist.ts). */
  checklist: z
    .array(
      z
        .string()
        .trim()
        .min(1, 'a checklist step cannot be empty')
        .max(
          CHECKLIST_STEP_MAX,
          `a checklist step is at most ${CHECKLIST_STEP_MAX} characters (what Slack shows beside a checkbox)`,
        ),
    )
    .max(
      CHECKLIST_MAX_STEPS,
      `a checklist has at most ${CHECKLIST_MAX_STEPS} steps (one Slack checkbox group)`,
    )
    .refine((steps) => new Set(steps).size === steps.length, 'a checklist names each step once')
    .default([]),
  pagerduty: z
    .object({
      serviceId: z.string().min(1).optional(),
      escalationPolicyId: z.string().min(1).optional(),
      routingKey: z.string().length(32).optional(),
    })
    .optional(),
  environments: z
    .record(name, z.object({ rollback: RollbackBackendConfig.optional() }))
    .default({}),
  autoRollback: autoRollbackOverride.optional(),
  /** Follow-ups of this service's incidents go here instead of `followups.tracker`. */
  tracker: TrackerConfig.optional(),
});
export type ServiceConfig = z.infer<typeof serviceConfig>;

const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day like "09:00"')
  .transform((text) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3)));
const officeHours = z
  .object({
    start: clockTime,
    end: clockTime,
    days: z.array(z.enum(WEEKDAYS)).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']),
    // For whoever's own zone is not known yet (users.info not answered, or nobody owns it).
    timeZone: z.string().refine(isTimeZone, 'is not a time zone this runtime knows').default('UTC'),
  })
  .refine((h) => h.start < h.end, { message: 'start must be before end', path: ['end'] })
  .transform(
    (h): OfficeHours => ({
      startMinute: h.start,
      endMinute: h.end,
      days: h.days,
      timeZone: h.timeZone,
    }),
  );
// Who a tier calls: the services' owners, a user (U…/W…), a user group (S…), or the channel.
const notifyEntry = z
  .string()
  .regex(
    /^(?:owners|here|channel|[UWS][A-Z0-9]{2,})$/,
    'must be owners, here, channel, a user id (U…/W…) or a user-group id (S…)',
  );
const escalationTier = z.object({
  after: duration,
  notify: z.array(notifyEntry).min(1, 'names nobody').max(20),
});
const escalationTiers = z
  .array(escalationTier)
  .max(10)
  .superRefine((tiers, ctx) => {
    for (let i = 1; i < tiers.length; i++) {
      if ((tiers[i]?.after ?? 0) <= (tiers[i - 1]?.after ?? 0))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'after'],
          message: 'must be later than the tier before it',
        });
    }
  });

export const FileConfig = z.object({
  incidents: z
    .object({
      channelPrefix: z
        .string()
        .regex(/^[a-z0-9][a-z0-9_-]{0,20}$/, 'lowercase letters, digits, - and _, at most 21')
        .default('inc'),
      announceChannel: slackId.optional(),
      private: z.boolean().default(false),
      defaultEnvironment: name.default('production'),
      reminders: z.partialRecord(severity, duration).default({
        sev1: 30 * 60_000,
        sev2: 60 * 60_000,
        sev3: 4 * 60 * 60_000,
      }),
      unownedReminder: duration.default(10 * 60_000),
      pinReaction: z
        .string()
        .regex(/^[a-z0-9_+-]+$/)
        .default('pushpin'),
      severityLabels: z.record(z.string(), severity).optional(),
      // Resolve the incident by itself when every alert has resolved (off: offer a Resolve button).
      autoResolve: z.boolean().default(false),
      // After resolving, offer to archive the channel after this long (unset: never offer).
      archiveAfter: duration.optional(),
      // At most this many incidents opened by alerts in any minute; past it, new alert groups
      // are gathered into one "alert storm" incident until the rate falls.
      maxNewPerMinute: z.number().int().min(1).max(10_000).default(10),
    })
    .prefault({}),
  permissions: z
    .object({
      deployers: z.array(slackId).default([]),
      commanders: z.array(slackId).default([]),
    })
    .default({ deployers: [], commanders: [] }),
  services: z.record(name, serviceConfig).default({}),
  followups: z
    .object({
      // Off unless set: every follow-up becomes an issue there (services may override).
      tracker: TrackerConfig.optional(),
    })
    .prefault({}),
  deploys: z
    .object({
      suspectWindow: duration.default(2 * 60 * 60_000),
      maxSuspects: z.number().int().min(1).max(5).default(3),
      freezeDefault: duration.default(2 * 60 * 60_000),
      freezeMax: duration.default(24 * 60 * 60_000),
      rollbacksExempt: z.boolean().default(true),
      // After a successful rollback, freeze that service+environment (for freezeDefault) so the
      // bad version is not redeployed by the next pipeline run before the fix (Shipit's lock).
      freezeAfterRollback: z.boolean().default(true),
      // Who may read the freeze gate: "open" (no auth, for CI on a private network) or "token".
      gateAuth: z.enum(['open', 'token']).default('open'),
      // Roll back by itself when an alert points at exactly one recent deploy (off by default).
      autoRollback: z
        .object({
          mode: autoRollbackKeys.mode.default('off'),
          window: autoRollbackKeys.window.default(30 * 60_000),
          minSeverity: autoRollbackKeys.minSeverity.default('sev1'),
          veto: autoRollbackKeys.veto.default(2 * 60_000),
          cooldown: autoRollbackKeys.cooldown.default(6 * 60 * 60_000),
        })
        .prefault({}),
      // Alerts (matched by labels; every label of one matcher must be equal) that freeze their
      // service and environment while they fire: Sloth's ErrorBudgetExhausted. Empty: off.
      freezeOnAlerts: z
        .array(
          z
            .record(z.string().min(1), z.string())
            .refine((m) => Object.keys(m).length > 0, 'a matcher needs at least one label'),
        )
        .max(50)
        .default([]),
      // Hysteresis: such a freeze lasts at least this long, even when its alert resolves sooner.
      freezeOnAlertsMinFreeze: duration.default(30 * 60_000),
      // The deploy gate (and the analysis gate) answer 423 while an incident of this severity or
      // worse is open on the service and environment. Unset: incidents do not block deploys.
      gateBlocksOnIncident: severity.optional(),
    })
    .refine((d) => d.freezeOnAlertsMinFreeze <= d.freezeMax, {
      path: ['freezeOnAlertsMinFreeze'],
      message: 'must not be longer than deploys.freezeMax',
    })
    .prefault({}),
  // Off by default: no tiers, nobody is called out (src/incidents/escalation.ts).
  escalation: z
    .object({ tiers: z.partialRecord(severity, escalationTiers).default({}) })
    .strict()
    .prefault({}),
  pagerduty: z
    .object({
      // Resolve the firebreak incident when PagerDuty resolves it (off: offer a button).
      autoResolve: z.boolean().default(false),
      priorities: z.record(z.string(), severity).default({}),
      urgency: z.partialRecord(severity, z.enum(['high', 'low'])).default({
        sev1: 'high',
        sev2: 'high',
        sev3: 'low',
        sev4: 'low',
      }),
    })
    .prefault({}),
  people: z
    .object({
      // sev3/sev4 reminders and call-outs wait for the owner's working hours, in their zone.
      officeHours: officeHours.optional(),
    })
    .prefault({}),
});
export type FileConfig = z.infer<typeof FileConfig>;

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

const Env = z
  .object({
    SLACK_BOT_TOKEN: z
      .string({ error: 'is required (the bot token, xoxb-…)' })
      .regex(/^xoxb-/, 'must start with xoxb-'),
    SLACK_SIGNING_SECRET: optionalText,
    SLACK_APP_TOKEN: optionalText.pipe(
      z
        .string()
        .regex(/^xapp-/, 'must start with xapp-')
        .optional(),
    ),
    SLACK_API_URL: z.url().default('https://slack.com/api/'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATABASE_PATH: z.string().min(1).default('./data/firebreak.db'),
    FIREBREAK_CONFIG: z.string().min(1).default('./firebreak.yaml'),
    INGEST_TOKEN: optionalText.pipe(z.string().min(16, 'needs at least 16 characters').optional()),
    API_TOKEN: optionalText.pipe(z.string().min(16, 'needs at least 16 characters').optional()),
    PAGERDUTY_TOKEN: optionalText,
    PAGERDUTY_FROM: optionalText.pipe(z.email('must be an e-mail address').optional()),
    PAGERDUTY_API_URL: z.url().default('https://api.pagerduty.com'),
    PAGERDUTY_EVENTS_URL: z.url().default('https://events.pagerduty.com'),
    PAGERDUTY_WEBHOOK_SECRET: optionalText,
    GITHUB_WEBHOOK_SECRET: optionalText,
    PUBLIC_URL: optionalText.pipe(z.url().optional()),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
  })
  .superRefine((env, ctx) => {
    if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'is required in HTTP mode (set it, or set SLACK_APP_TOKEN for Socket Mode)',
      });
    }
    if (env.PAGERDUTY_TOKEN && !env.PAGERDUTY_FROM) {
      ctx.addIssue({
        code: 'custom',
        path: ['PAGERDUTY_FROM'],
        message: 'is required with PAGERDUTY_TOKEN (the e-mail of a PagerDuty user)',
      });
    }
  });

/** Every environment variable the bot reads (the README and .env.example list the same). */
export const ENV_NAMES: readonly string[] = Object.keys(Env.shape);

export interface Config {
  readonly slack: {
    readonly botToken: string;
    readonly signingSecret: string | undefined;
    readonly appToken: string | undefined;
    readonly apiUrl: string;
  };
  readonly http: {
    readonly port: number;
    readonly host: string;
    readonly publicUrl: string | undefined;
  };
  readonly databasePath: string;
  readonly configPath: string;
  readonly ingestToken: string | undefined;
  readonly apiToken: string | undefined;
  readonly pagerDuty: {
    readonly token: string | undefined;
    readonly from: string | undefined;
    readonly apiUrl: string;
    readonly eventsUrl: string;
    readonly webhookSecrets: readonly string[];
  };
  readonly githubWebhookSecret: string | undefined;
  readonly logLevel: string;
  readonly file: FileConfig;
}

/** Thrown with a one-line message that names the offending variable or config key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function firstProblem(error: z.ZodError, where: string): string {
  const issue = error.issues[0];
  if (!issue) return `${where}: invalid`;
  const path = issue.path.join('.');
  return path ? `${where} ${path} ${issue.message}` : `${where}: ${issue.message}`;
}

/** `${NAME}` in the YAML file is replaced by the environment variable NAME (for secrets). */
function interpolate(
  value: unknown,
  env: Record<string, string | undefined>,
  path: string,
): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Z0-9_]+)\}/g, (_, key: string) => {
      const v = env[key];
      if (v === undefined)
        throw new ConfigError(`firebreak.yaml ${path} refers to \${${key}}, which is not set`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${path}.${i}`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, env, path ? `${path}.${k}` : k)]),
    );
  }
  return value;
}

export function parseFileConfig(
  text: string,
  env: Record<string, string | undefined> = {},
  label = 'firebreak.yaml',
): FileConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(`${label} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const result = FileConfig.safeParse(interpolate(raw, env, ''));
  if (!result.success) throw new ConfigError(firstProblem(result.error, label));
  return withCommandEnvironment(result.data, env);
}

/** What a rollback command inherits from the bot's environment; nothing else is passed on. */
export const COMMAND_INHERITS = ['PATH', 'HOME'] as const;

/**
 * A rollback command runs with PATH and HOME of the bot plus its own `env`, and nothing else:
 * execFile would otherwise hand it every token and secret the bot was started with.
 */
function withCommandEnvironment(
  file: FileConfig,
  env: Record<string, string | undefined>,
): FileConfig {
  const inherited: Record<string, string> = {};
  for (const name of COMMAND_INHERITS) {
    const value = env[name];
    if (value !== undefined) inherited[name] = value;
  }
  for (const service of Object.values(file.services))
    for (const { rollback } of Object.values(service.environments))
      if (rollback?.backend === 'command') rollback.env = { ...inherited, ...rollback.env };
  return file;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Parses the environment (and the YAML file it points to) once, into a frozen Config. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // `NAME=` in an .env file means "not set", as the defaults in .env.example expect.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const result = Env.safeParse(present);
  if (!result.success) throw new ConfigError(firstProblem(result.error, 'environment variable'));
  const e = result.data;
  const file = existsSync(e.FIREBREAK_CONFIG)
    ? parseFileConfig(readFileSync(e.FIREBREAK_CONFIG, 'utf8'), env, e.FIREBREAK_CONFIG)
    : FileConfig.parse({});
  return deepFreeze({
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
    },
    http: { port: e.PORT, host: e.HOST, publicUrl: e.PUBLIC_URL },
    databasePath: e.DATABASE_PATH,
    configPath: e.FIREBREAK_CONFIG,
    ingestToken: e.INGEST_TOKEN,
    apiToken: e.API_TOKEN,
    pagerDuty: {
      token: e.PAGERDUTY_TOKEN,
      from: e.PAGERDUTY_FROM,
      apiUrl: e.PAGERDUTY_API_URL.replace(/\/+$/, ''),
      eventsUrl: e.PAGERDUTY_EVENTS_URL.replace(/\/+$/, ''),
      webhookSecrets: (e.PAGERDUTY_WEBHOOK_SECRET ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    },
    githubWebhookSecret: e.GITHUB_WEBHOOK_SECRET,
    logLevel: e.LOG_LEVEL,
    file,
  });
}

/**
 * The policies the services take, derived from the config in one place: a service never reads
 * the config, and a key used by several services (reminders, deployers…) is mapped once.
 */
export function policiesOf(config: Config) {
  const { incidents, deploys, permissions, pagerduty, services, people, escalation } = config.file;
  const reminders = {
    reminders: incidents.reminders,
    unownedReminderMs: incidents.unownedReminder,
  };
  return {
    lifecycle: {
      defaultEnvironment: incidents.defaultEnvironment,
      ...reminders,
      deployers: permissions.deployers,
      commanders: permissions.commanders,
      archiveAfterMs: incidents.archiveAfter,
    } satisfies LifecyclePolicy,
    intake: {
      defaultEnvironment: incidents.defaultEnvironment,
      severityLabels: incidents.severityLabels,
      ...reminders,
      autoResolve: incidents.autoResolve,
      archiveAfterMs: incidents.archiveAfter,
      maxNewPerMinute: incidents.maxNewPerMinute,
    } satisfies IntakePolicy,
    reminders: { ...reminders, officeHours: people.officeHours } satisfies ReminderPolicy,
    freezes: {
      defaultMs: deploys.freezeDefault,
      maxMs: deploys.freezeMax,
      deployers: permissions.deployers,
    } satisfies FreezePolicy,
    alertFreezes: {
      matchers: deploys.freezeOnAlerts,
      minFreezeMs: deploys.freezeOnAlertsMinFreeze,
      holdMs: deploys.freezeMax,
      defaultEnvironment: incidents.defaultEnvironment,
    } satisfies AlertFreezePolicy,
    incidentGate: { blocksOn: deploys.gateBlocksOnIncident ?? null } satisfies IncidentGatePolicy,
    suspects: { windowMs: deploys.suspectWindow, max: deploys.maxSuspects } satisfies SuspectPolicy,
    rollbacks: {
      deployers: permissions.deployers,
      rollbacksExempt: deploys.rollbacksExempt,
      freezeAfterMs: deploys.freezeAfterRollback ? deploys.freezeDefault : null,
      publicUrl: config.http.publicUrl ?? null,
    } satisfies RollbackPolicy,
    autoRollback: {
      defaults: deploys.autoRollback,
      services: Object.fromEntries(
        Object.entries(services).flatMap(([n, s]) => (s.autoRollback ? [[n, s.autoRollback]] : [])),
      ),
      deployers: permissions.deployers,
      rollbacksExempt: deploys.rollbacksExempt,
    } satisfies AutoRollbackPolicy,
    deployIntake: {
      defaultEnvironment: incidents.defaultEnvironment,
      rollbacksExempt: deploys.rollbacksExempt,
    },
    /** What `/deploy` offers: freeze lengths and the environment names it recognises. */
    deployCommands: {
      defaultEnvironment: incidents.defaultEnvironment,
      freezeDefaultMs: deploys.freezeDefault,
      freezeMaxMs: deploys.freezeMax,
      environments: [
        ...new Set(Object.values(services).flatMap((s) => Object.keys(s.environments))),
      ],
    },
    escalation: {
      tiers: Object.fromEntries(
        Object.entries(escalation.tiers).map(([sev, tiers]) => [
          sev,
          tiers.map((t) => ({ afterMs: t.after, notify: t.notify })),
        ]),
      ),
    } satisfies EscalationPolicy,
    paging: {
      restEnabled: Boolean(config.pagerDuty.token),
      services,
      urgency: pagerduty.urgency,
      priorities: pagerduty.priorities,
      autoResolve: pagerduty.autoResolve,
    } satisfies PagingPolicy,
  };
}
export type Policies = ReturnType<typeof policiesOf>;
