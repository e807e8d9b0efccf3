/** A deploy a rollback goes from or to, with what its backend needs to name it. */
export interface DeployTarget {
  deployId: number;
  version: string;
  sha: string | null;
  /** The deploy's rollback handle (a revision, an Argo CD history id…), as its sender gave it. */
  handle: Readonly<Record<string, string>>;
  url: string | null;
}

/** One rollback, as every backend receives it. */
export interface RollbackRequest {
  rollbackId: number;
  /** Stable across retries of the same request: receivers dedupe on it. */
  idempotencyKey: string;
  service: string;
  environment: string;
  incidentId: number | null;
  requestedBy: string;
  from: DeployTarget | null;
  to: DeployTarget;
  /** Where an asynchronous receiver may report the result; null when the bot has no PUBLIC_URL. */
  callbackUrl: string | null;
}

/** Where a rollback stands after a backend call. */
export type RollbackProgress =
  | {
      status: 'running';
      /** Whatever the backend needs to ask again later (run id, app name, status URL…); JSON. */
      operation: Record<string, unknown>;
      url?: string | null;
      detail?: string | null;
    }
  | { status: 'succeeded'; url?: string | null; output?: string | null; detail?: string | null }
  | { status: 'failed'; reason: string; url?: string | null; output?: string | null };

/**
 * A deploy system that can roll a service back. One per service+environment, from the config;
 * implemented in src/deploy/backends/. Every method may throw: the caller turns any error into
 * a failed rollback with the error's message as the reason.
 */
export interface RollbackBackend {
  /** `webhook`, `command`, `github`, `argocd`. */
  readonly kind: string;
  /** One line for people: "GitHub Actions acme/search rollback.yml". */
  readonly label: string;
  /** Give up following a running rollback after this long. */
  readonly waitForMs: number;
  readonly pollIntervalMs: number;
  /** True when starting the same request twice does no harm (after a crash mid-start). */
  readonly idempotentStart: boolean;
  /** Refuses a request that cannot run (a template value that is not a valid name…) with AppError('invalid'), before anything is recorded. */
  validate(request: RollbackRequest): void;
  start(request: RollbackRequest): Promise<RollbackProgress>;
  poll(request: RollbackRequest, operation: Record<string, unknown>): Promise<RollbackProgress>;
}

/** The backend for a service+environment, or null when none is configured. */
export type BackendResolver = (service: string, environment: string) => RollbackBackend | null;
