/**
 * Logging: the `Logger` interface of `@temporalio/common` (so user loggers port unchanged) and a
 * console logger as the default. sdk-core's records reach a logger through `connection/runtime`.
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';

export type { LogLevel, LogMetadata, Logger };

/** Levels by severity: a logger at a level records that level and those above it. */
export const LEVEL_ORDER: Readonly<Record<LogLevel, number>> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/** A `Logger` from one `log` method: the per-level methods forward to it. */
export abstract class BaseLogger implements Logger {
  abstract log(level: LogLevel, message: string, meta?: LogMetadata): void;
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

// node:util's inspect is loaded on the first record with metadata (a few ms at import otherwise).
let inspect: typeof import('node:util').inspect | undefined;
function inspectOnOneLine(value: unknown): string {
  inspect ??= (require('node:util') as typeof import('node:util')).inspect;
  return inspect(value, { breakLength: Infinity, depth: 4 });
}

/** Logs to the console at `level` and above. The default logger of `createWorker`, at `INFO`. */
export class ConsoleLogger extends BaseLogger {
  readonly #minimum: number;
  constructor(readonly level: LogLevel = 'INFO') {
    super();
    this.#minimum = LEVEL_ORDER[level];
  }
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (LEVEL_ORDER[level] < this.#minimum) return;
    const write = level === 'ERROR' ? console.error : level === 'WARN' ? console.warn : console.log;
    // One line per record, so logs stay greppable; errors keep their stack in the inspected form.
    const details = meta && Object.keys(meta).length > 0 ? ` ${inspectOnOneLine(meta)}` : '';
    write(`${new Date().toISOString()} [${level}] ${message}${details}`);
  }
}

/**
 * False when `logger` is known to drop records at `level`: it exposes its minimum level as `level`
 * (the console logger, the official SDK's `DefaultLogger`, and `withMetadata` over either). Hot
 * paths use it to skip building records nobody keeps. True for any other logger.
 */
export function logLevelEnabled(logger: Logger, level: LogLevel): boolean {
  const minimum = (logger as { level?: unknown }).level;
  if (typeof minimum !== 'string' || !Object.hasOwn(LEVEL_ORDER, minimum)) return true;
  return LEVEL_ORDER[level] >= LEVEL_ORDER[minimum as LogLevel];
}

/**
 * A logger that adds `meta` (e.g. `{ sdkComponent: 'worker', taskQueue }`) to every record. Its
 * `level` is the wrapped logger's.
 */
export function withMetadata(logger: Logger, meta: LogMetadata): Logger & { readonly level: unknown } {
  const merge = (extra?: LogMetadata) => (extra ? { ...meta, ...extra } : meta);
  return {
    get level(): unknown {
      return (logger as { level?: unknown }).level;
    },
    log: (level, message, extra) => logger.log(level, message, merge(extra)),
    trace: (message, extra) => logger.trace(message, merge(extra)),
    debug: (message, extra) => logger.debug(message, merge(extra)),
    info: (message, extra) => logger.info(message, merge(extra)),
    warn: (message, extra) => logger.warn(message, merge(extra)),
    error: (message, extra) => logger.error(message, merge(extra)),
  };
}
