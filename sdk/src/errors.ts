/**
 * Every error the sdk throws on bad input is a `CohortError`: `shortMessage` says what is wrong and what to do,
 * `code` is stable for programs, and nothing secret is ever put into either (callers log them verbatim).
 */
export class CohortError extends Error {
  override name = "CohortError";
  readonly code: string;
  readonly shortMessage: string;

  constructor(code: string, shortMessage: string, options?: { cause?: unknown }) {
    super(shortMessage, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.shortMessage = shortMessage;
  }
}

/** An argument the caller controls is out of its domain (a programming error more than a user error). */
export class InvalidArgumentError extends CohortError {
  override name = "InvalidArgumentError";
  constructor(message: string) {
    super("INVALID_ARGUMENT", message);
  }
}
