/**
 * How the CLIs fail: one line on stderr (`<program>: error: <what to do>`), no stack trace, and an
 * exit code that tells usage mistakes (2) from failures while running (1).
 */
import { GrpcStatus, grpcStatusName } from '../client/errors';
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
    // The URL the bridge dialled says whether TLS was on (`https://`); else the address given.
    const address = error.details.target?.replace(/\/$/, '') ?? context.address;
    const where = address === undefined ? 'the Temporal server' : `a Temporal server at ${address}`;
    const reason = error.details.cause ?? error.details.grpcMessage ?? error.message;
    return {
      message:
        `cannot reach ${where} (${reason}): check --address (or TEMPORAL_ADDRESS), TLS and the API key, ` +
        'or pass --dev to run a local dev server',
      exitCode: EXIT_CODES.failure,
    };
  }
  if (error instanceof NativeError && error.code === 'WORKER_ERROR') {
    // A refused validation carries the server's status: NOT_FOUND is a namespace it does not have.
    const hint = error.details.grpcCode === GrpcStatus.NOT_FOUND ? ': check --namespace (or TEMPORAL_NAMESPACE)' : '';
    return { message: `${error.message}${hint}`, exitCode: EXIT_CODES.failure };
  }
  if (error instanceof NativeError && error.details.grpcCode !== undefined) {
    // The server's answer, from the structured status (never from the message text).
    const text = (error.details.grpcMessage ?? '').replace(/\.$/, '');
    return { message: `${grpcStatusName(error.details.grpcCode)}: ${text}`, exitCode: EXIT_CODES.failure };
  }
  if (error instanceof NativeError) {
    return { message: error.message, exitCode: EXIT_CODES.failure };
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
