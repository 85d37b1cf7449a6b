/**
 * How the CLIs fail: one line on stderr (`<program>: error: <what to do>`), no stack trace, and an
 * exit code that tells usage mistakes (2) from failures while running (1).
 */
import { DevServerStartError, TemporalCliNotFoundError } from '../dev-server';
import { EnvConfigError } from '../config';
import { NativeError } from '../native';
import { WorkerOptionsError } from '../worker';

/** Exit codes of the CLIs. */
export const EXIT_CODES = {
  ok: 0,
  /** Something failed while running: unreachable server, failed replay, a worker that crashed. */
  failure: 1,
  /** The command line is wrong: unknown flag, missing value, missing file. */
  usage: 2,
} as const;

/** The command line is wrong; the message names the flag. Exit code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** A failure with a message already written for the user. Exit code 1 unless given. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_CODES.failure,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Core reports transport errors as Rust debug text; the quoted OS message ("Connection refused") is what a user needs. */
function connectFailureReason(message: string): string {
  const quoted = /message: \\?"([^"\\]+)\\?"/.exec(message);
  if (quoted) return quoted[1]!;
  const firstPart = message.split(';')[0] ?? message;
  return firstPart.length > 200 ? `${firstPart.slice(0, 200)}…` : firstPart;
}

/** Core renders gRPC statuses as Rust debug text (`Status { code: NotFound, message: "…", details: b"…", … }`); keeps code and message. */
function tidyRpcStatus(message: string): string {
  return message.replace(
    /Status \{ code: (\w+), message: "((?:[^"\\]|\\.)*)".*$/s,
    (_match, code: string, text: string) => `${code}: ${text.replace(/\.$/, '')}`,
  );
}

/** The one line to print for `error`, and the exit code. */
export function describeCliError(
  error: unknown,
  context: { address?: string } = {},
): { message: string; exitCode: number; details?: string } {
  if (error instanceof CliUsageError) return { message: error.message, exitCode: EXIT_CODES.usage };
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (
    error instanceof WorkerOptionsError ||
    error instanceof EnvConfigError ||
    error instanceof TemporalCliNotFoundError
  ) {
    return { message: error.message, exitCode: EXIT_CODES.usage };
  }
  if (error instanceof DevServerStartError) {
    const [first = 'the dev server did not start', ...rest] = error.message.split('\n');
    return { message: first, exitCode: EXIT_CODES.failure, details: rest.join('\n') };
  }
  if (error instanceof NativeError && error.code === 'CONNECT_FAILED') {
    const where = context.address === undefined ? 'the Temporal server' : `a Temporal server at ${context.address}`;
    return {
      message:
        `cannot reach ${where} (${connectFailureReason(error.message)}): check --address (or TEMPORAL_ADDRESS), TLS and the API key, ` +
        'or pass --dev to run a local dev server',
      exitCode: EXIT_CODES.failure,
    };
  }
  if (error instanceof NativeError) {
    const message = tidyRpcStatus(error.message);
    const hint =
      /namespace/i.test(message) && /not ?found/i.test(message) ? ': check --namespace (or TEMPORAL_NAMESPACE)' : '';
    return { message: `${message}${hint}`, exitCode: EXIT_CODES.failure };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message, exitCode: EXIT_CODES.failure };
}

/** Prints the error as one line (plus any server output that explains it) and exits. */
export function exitWithError(program: string, error: unknown, context: { address?: string } = {}): never {
  const { message, exitCode, details } = describeCliError(error, context);
  process.stderr.write(`${program}: error: ${oneLine(message)}\n`);
  if (details) process.stderr.write(`${details}\n`);
  if (exitCode === EXIT_CODES.usage) process.stderr.write(`Run \`${program} --help\` for usage.\n`);
  process.exit(exitCode);
}

/** Collapses a multi-line message (e.g. a parser's hint) into one line. */
export function oneLine(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}
