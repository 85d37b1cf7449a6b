/**
 * Parsing and checking flag values: each failure is a {@link CliUsageError} that names the flag.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { msToNumber } from '@temporalio/common/lib/time';
import type { LogLevel } from '../common/logger';
import { CliUsageError, oneLine } from './cli-errors';

export type FlagSpecs = NonNullable<ParseArgsConfig['options']>;

/** `node:util` parseArgs in strict mode, its errors turned into one-line usage errors. */
export function parseFlags<const T extends FlagSpecs>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new CliUsageError(oneLine(error instanceof Error ? error.message : String(error)));
  }
}

/** As {@link parseFlags}, for commands that also take operands (`bundle <workflows>`, `init <dir>`). */
export function parseFlagsAndOperands<const T extends FlagSpecs>(args: string[], options: T) {
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    return { values, operands: positionals };
  } catch (error) {
    throw new CliUsageError(oneLine(error instanceof Error ? error.message : String(error)));
  }
}

/** An integer ≥ `minimum`, or undefined when the flag is absent. */
export function integerFlag(
  value: string | undefined,
  flag: string,
  minimum = 1,
  maximum = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < minimum || number > maximum) {
    const range = maximum === Number.MAX_SAFE_INTEGER ? `≥ ${minimum}` : `in [${minimum}, ${maximum}]`;
    throw new CliUsageError(`--${flag} must be an integer ${range}, got ${JSON.stringify(value)}`);
  }
  return number;
}

/** A duration such as `30s`, `1m`, `500ms` or a number of milliseconds; returns milliseconds. */
export function durationFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  let ms: number;
  try {
    ms = /^\d+$/.test(value.trim()) ? Number(value) : msToNumber(value as Parameters<typeof msToNumber>[0]);
  } catch {
    ms = Number.NaN;
  }
  if (!Number.isFinite(ms) || ms < 0) {
    throw new CliUsageError(
      `--${flag} must be a duration such as 30s, 1m or 500ms (or milliseconds), got ${JSON.stringify(value)}`,
    );
  }
  return ms;
}

const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export function logLevelFlag(value: string | undefined, fallback: LogLevel): LogLevel {
  if (value === undefined) return fallback;
  const upper = value.toUpperCase() as LogLevel;
  if (!LOG_LEVELS.includes(upper)) {
    throw new CliUsageError(
      `--log-level must be one of ${LOG_LEVELS.map((level) => level.toLowerCase()).join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return upper;
}

/** The absolute path of an existing file, or a usage error naming the flag. */
export function existingFile(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const path = resolve(value);
  if (!existsSync(path)) throw new CliUsageError(`--${flag}: file not found: ${value}`);
  if (!statSync(path).isFile()) throw new CliUsageError(`--${flag}: not a file: ${value}`);
  return path;
}

/** The text of an existing file (certificates, keys, histories). */
export function readFileFlag(value: string | undefined, flag: string): string | undefined {
  const path = existingFile(value, flag);
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new CliUsageError(
      `--${flag}: cannot read ${value}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

/** A non-empty string flag. */
export function nonEmptyFlag(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new CliUsageError(`--${flag} must not be empty`);
  return value;
}
