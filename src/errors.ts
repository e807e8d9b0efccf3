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
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
