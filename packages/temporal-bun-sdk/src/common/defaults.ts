/**
 * Connection and runtime defaults, one place. The bridge has no copy of these: `src/native`
 * sends every value explicitly (the bridge refuses a missing key). The one bound the bridge keeps
 * as defence at the FFI boundary, {@link MAX_RUNTIME_THREADS}, is checked against its Rust twin
 * by `tests/unit/defaults.test.ts`.
 */
import { hostname } from 'node:os';

/** The namespace used when none is configured. */
export const DEFAULT_NAMESPACE = 'default';

/** How long connecting may take (TCP, TLS and the server's first answer), in milliseconds. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Tokio worker threads of sdk-core's runtime when none is asked for. */
export const DEFAULT_RUNTIME_THREADS = 1;

/** The most runtime threads the bridge starts (`MAX_RUNTIME_THREADS` in crates/bridge/src/runtime.rs). */
export const MAX_RUNTIME_THREADS = 1024;

/** The identity a client or worker reports when none is given: `pid@host`, as the official SDKs. */
export function defaultIdentity(): string {
  return `${process.pid}@${hostname()}`;
}

/** The longest interval or timeout in milliseconds: 2^31 − 1 (about 24.8 days), the longest timer a JavaScript runtime sets. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
