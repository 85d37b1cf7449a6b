/**
 * The CLIs' logger: one line per record on stderr (`<time> <LEVEL> <message> key=value …`), so
 * that stdout carries only what scripts read (the worker's ready line) and logs stay greppable.
 */
import { BaseLogger, LEVEL_ORDER, type LogLevel, type LogMetadata } from '../common/logger';
/** Fields every record of a one-worker process carries; they add nothing to its log lines. */
const OMITTED_FIELDS = new Set(['sdkComponent', 'taskQueue', 'timestampMs']);

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return /^[\w.:/@-]+$/.test(value) ? value : JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export class CliLogger extends BaseLogger {
  readonly #minimum: number;
  constructor(
    readonly level: LogLevel = 'INFO',
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {
    super();
    this.#minimum = LEVEL_ORDER[level];
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (LEVEL_ORDER[level] < this.#minimum) return;
    let line = `${new Date().toISOString()} ${level.padEnd(5)} ${message}`;
    for (const [key, value] of Object.entries(meta ?? {})) {
      if (value === undefined || OMITTED_FIELDS.has(key)) continue;
      line += ` ${key}=${formatValue(value)}`;
    }
    this.write(`${line}\n`);
  }
}
