export type ErrorCode =
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'invalid'
  | 'frozen'
  | 'upstream'
  | 'unavailable';

/** The one error the core throws: a code for the edges, a message written for the person. */
export class AppError extends Error {
  readonly code: ErrorCode;
  /**
   * Slack user ids the message names as `<@id>`. Messages can also quote outside text (a
   * backend's error, a deploy's version), so the chat edge escapes the whole message and brings
   * back only these mentions.
   */
  readonly mentions: readonly string[];
  constructor(
    code: ErrorCode,
    message: string,
    options?: ErrorOptions & { mentions?: readonly string[] },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.mentions = options?.mentions ?? [];
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
