/**
 * Structured logs, one JSON object per line. Callers pass facts, never secrets: no key, share, password or
 * decrypted byte is ever a field (the type forbids Uint8Array values so a secret cannot slip in by accident).
 */
export type LogFields = Record<
  string,
  string | number | bigint | boolean | null | undefined | readonly (string | number)[]
>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export function jsonLogger(component: string, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit =
    (level: string) =>
    (message: string, fields: LogFields = {}) =>
      write(
        `${JSON.stringify({ time: new Date().toISOString(), level, component, message, ...fields }, (_k, v) =>
          typeof v === "bigint" ? v.toString() : v,
        )}\n`,
      );
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** An error as one log-safe line: its name and the first line of its message (viem's run to many lines). */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.split("\n")[0]}` : String(error);
}

/** A logger that adds `fields` to every line (e.g. the committee a message is about). */
export function withFields(log: Logger, fields: LogFields): Logger {
  return {
    info: (m, f) => log.info(m, { ...fields, ...f }),
    warn: (m, f) => log.warn(m, { ...fields, ...f }),
    error: (m, f) => log.error(m, { ...fields, ...f }),
  };
}
