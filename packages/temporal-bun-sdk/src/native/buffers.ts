/**
 * Moving bytes across the boundary.
 *
 * Out: every buffer the bridge hands out is copied into JS memory and freed exactly once, also when
 * copying fails. In: inputs are borrowed by the bridge for the duration of the call only.
 */
import { CString, ptr, toArrayBuffer, type Pointer } from 'bun:ffi';
import { NativeError, takeLastError } from './errors';
import { nativeSymbols } from './symbols';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });
const emptyBytes = new Uint8Array(0);

/** Frees a bridge-owned buffer; throws if the bridge did not own it. */
export function freeOwnedBytes(pointer: number): void {
  if (pointer === 0) return;
  const status = nativeSymbols().tbs_bytes_free(pointer as Pointer);
  if (status !== 0) {
    // Not taking the thread's last error on purpose: it may belong to the call being reported.
    throw NativeError.fromCodeNumber(status, `tbs_bytes_free(0x${pointer.toString(16)}) failed with status ${status}`);
  }
}

/** Copies a bridge-owned `(pointer, length)` buffer into a fresh `Uint8Array`, then frees it. */
export function copyOwnedBytes(pointer: number, length: number): Uint8Array {
  if (pointer === 0) return new Uint8Array(0);
  try {
    // toArrayBuffer wraps the native memory without owning it; slice() copies it out.
    return new Uint8Array(toArrayBuffer(pointer as Pointer, 0, length)).slice();
  } finally {
    freeOwnedBytes(pointer);
  }
}

/**
 * Reads the JSON of a bridge-owned NUL-terminated string (what a synchronous call that answers
 * JSON returns), then frees it. Null means the call failed: its error is the thread's last error.
 */
export function takeOwnedJson<T>(pointer: Pointer | number | bigint | null, call: string): T {
  if (pointer === null || Number(pointer) === 0) throw takeLastError(0, call);
  const owned = Number(pointer);
  let json: string;
  try {
    json = String(new CString(owned as Pointer));
  } finally {
    freeOwnedBytes(owned);
  }
  return JSON.parse(json) as T;
}

/** Decodes bridge-produced UTF-8 text (error and log JSON). */
export function decodeUtf8(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}

export function encodeUtf8(text: string): Uint8Array {
  return text.length === 0 ? emptyBytes : textEncoder.encode(text);
}

/** Encodes an options object as the bridge's JSON (keys with `undefined` values are left out). */
export function encodeJson(value: unknown): Uint8Array {
  return textEncoder.encode(JSON.stringify(value));
}

/**
 * A borrowed input range: `pointer` is null for an empty range (the bridge accepts a null pointer
 * with length 0). `bytes` keeps the memory reachable while the call runs.
 */
export interface InputBytes {
  readonly pointer: Pointer | null;
  readonly length: number;
  readonly bytes: Uint8Array;
}

export function inputBytes(bytes: Uint8Array): InputBytes {
  if (bytes.byteLength === 0) return { pointer: null, length: 0, bytes };
  return { pointer: ptr(bytes), length: bytes.byteLength, bytes };
}
