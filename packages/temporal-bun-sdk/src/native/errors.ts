/**
 * Structured errors of the bridge: a stable code, a message and, for RPC failures, the gRPC status.
 */
import { CString, type Pointer } from 'bun:ffi';
import { nativeSymbols } from './symbols';

/** The bridge's error codes (`TBS_ERR_*`), by name. */
export const NativeErrorCode = {
  /** Malformed options, unknown option, malformed protobuf, bad UTF-8. */
  INVALID_ARGUMENT: 1,
  /** A freed, foreign or unknown handle. */
  INVALID_HANDLE: 2,
  /** `tbs_bytes_free` on a pointer the bridge does not own (e.g. a double free). */
  INVALID_BUFFER: 3,
  /** The client could not reach or handshake with the server. */
  CONNECT_FAILED: 4,
  /** The server answered an RPC with a gRPC status (see `details.grpcCode`). */
  RPC_ERROR: 5,
  /** A poll ended because the worker is shutting down: stop polling. */
  SHUT_DOWN: 6,
  /** sdk-core refused: worker creation, validation (with the server's gRPC status), completion (with `details.rejectedCompletion`). */
  WORKER_ERROR: 7,
  /** The call is not allowed now (e.g. finalize while calls are outstanding, runtime closed). */
  ILLEGAL_STATE: 8,
  /** A Rust panic was caught; the process is intact, the object may not be. */
  PANIC: 9,
} as const;

export type NativeErrorCodeName = keyof typeof NativeErrorCode;

const codeNames = new Map<number, NativeErrorCodeName>(
  Object.entries(NativeErrorCode).map(([name, number]) => [number, name as NativeErrorCodeName]),
);

/** Why sdk-core refused a workflow activation completion (`rejectedCompletion` of a `WORKER_ERROR`). */
export interface NativeRejectedCompletion {
  /** `MALFORMED_COMPLETION`: the completion itself is wrong; `WORKFLOWS_NOT_ENABLED`: the worker polls no workflows. */
  kind: 'MALFORMED_COMPLETION' | 'WORKFLOWS_NOT_ENABLED' | (string & {});
  /** The run the completion was for (`""` when core did not say). */
  runId: string;
  /** Core's reason, as it wrote it. */
  reason: string;
}

/**
 * The structured parts of a bridge error. TypeScript reads these fields, never the message text.
 * gRPC status: `RPC_ERROR`, `CONNECT_FAILED` when the handshake RPC failed, and `WORKER_ERROR` of a
 * refused validation (e.g. `NOT_FOUND` for an unknown namespace).
 */
export interface NativeErrorDetails {
  grpcCode?: number;
  grpcMessage?: string;
  /** `google.rpc.Status` details, as sent by the server. */
  grpcDetails?: Uint8Array;
  /** Set on the `WORKER_ERROR` of a refused workflow activation completion. */
  rejectedCompletion?: NativeRejectedCompletion;
  /** `CONNECT_FAILED`: the innermost cause, e.g. the operating system's "Connection refused (os error 111)". */
  cause?: string;
  /** `CONNECT_FAILED`: the URL the bridge dialled (`https://…` when TLS is on), credentials removed. */
  target?: string;
}

/** An error reported by the native bridge. `code` is stable; `message` is for humans. */
export class NativeError extends Error {
  override readonly name = 'NativeError';
  /** Stable code name, e.g. `"RPC_ERROR"`; `"UNKNOWN"` if the bridge reported a code this SDK does not know. */
  readonly code: NativeErrorCodeName | 'UNKNOWN';
  /** The numeric code (`TBS_ERR_*`). */
  readonly codeNumber: number;
  readonly details: NativeErrorDetails;

  constructor(
    code: NativeErrorCodeName | 'UNKNOWN',
    message: string,
    details: NativeErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.codeNumber = code === 'UNKNOWN' ? 0 : NativeErrorCode[code];
    this.details = details;
  }

  /** Builds an error from the bridge's error JSON (see the bridge README, *Error codes*). */
  static fromJson(json: string): NativeError {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(json) as Record<string, unknown>;
    } catch (cause) {
      return new NativeError('UNKNOWN', `the native bridge reported an unreadable error: ${json}`, {}, { cause });
    }
    const codeNumber = typeof parsed.codeNumber === 'number' ? parsed.codeNumber : 0;
    const code =
      typeof parsed.code === 'string' && parsed.code in NativeErrorCode
        ? (parsed.code as NativeErrorCodeName)
        : (codeNames.get(codeNumber) ?? 'UNKNOWN');
    const details: NativeErrorDetails = {};
    if (typeof parsed.grpcCode === 'number') details.grpcCode = parsed.grpcCode;
    if (typeof parsed.grpcMessage === 'string') details.grpcMessage = parsed.grpcMessage;
    if (typeof parsed.grpcDetails === 'string') details.grpcDetails = Buffer.from(parsed.grpcDetails, 'base64');
    const rejected = parsed.rejectedCompletion as Record<string, unknown> | undefined;
    if (typeof rejected === 'object' && rejected !== null) {
      details.rejectedCompletion = {
        kind: String(rejected.kind),
        runId: typeof rejected.runId === 'string' ? rejected.runId : '',
        reason: typeof rejected.reason === 'string' ? rejected.reason : '',
      };
    }
    if (typeof parsed.cause === 'string') details.cause = parsed.cause;
    if (typeof parsed.target === 'string') details.target = parsed.target;
    const message = typeof parsed.message === 'string' ? parsed.message : json;
    return new NativeError(code, message, details);
  }

  /** An error for a numeric code when the bridge left no error text. */
  static fromCodeNumber(codeNumber: number, message: string): NativeError {
    return new NativeError(codeNames.get(codeNumber) ?? 'UNKNOWN', message);
  }
}

/**
 * Reads and frees the calling thread's last bridge error (`tbs_last_error_take`).
 *
 * `status` is the failing call's return value; it names the error if the bridge kept no text.
 */
export function takeLastError(status: number, call: string): NativeError {
  const symbols = nativeSymbols();
  const pointer = symbols.tbs_last_error_take();
  if (pointer === null || pointer === 0) {
    return NativeError.fromCodeNumber(Math.abs(status), `${call} failed with status ${status} and reported no error`);
  }
  const errorPointer = Number(pointer) as Pointer;
  let json: string;
  try {
    json = String(new CString(errorPointer));
  } finally {
    symbols.tbs_bytes_free(errorPointer);
  }
  return NativeError.fromJson(json);
}

/** Throws the last bridge error when `status` is not 0 (for the synchronous, status-returning calls). */
export function checkStatus(status: number, call: string): void {
  if (status !== 0) throw takeLastError(status, call);
}

/** True when `error` says a poll ended because its worker is shutting down: stop polling. */
export function isShutdownError(error: unknown): error is NativeError {
  return error instanceof NativeError && error.code === 'SHUT_DOWN';
}
