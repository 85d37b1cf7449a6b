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
  /** sdk-core refused: worker creation, validation, completion. */
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

/** gRPC status of a failed RPC (present for `RPC_ERROR`, sometimes for `CONNECT_FAILED`). */
export interface NativeErrorDetails {
  grpcCode?: number;
  grpcMessage?: string;
  /** `google.rpc.Status` details, as sent by the server. */
  grpcDetails?: Uint8Array;
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
