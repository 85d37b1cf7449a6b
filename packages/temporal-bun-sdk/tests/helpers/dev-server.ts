/**
 * A real Temporal dev server (`temporal server start-dev`, in-memory, headless) on a free loopback
 * port, for integration tests: the product's `startDevServer` with test defaults. One per test file:
 *
 * @example
 * let server: DevServer;
 * beforeAll(async () => { server = await startDevServer(); });
 * afterAll(async () => { await server?.stop(); });
 */
import { findFreePort, startDevServer as startProductDevServer } from '../../src/dev-server';

export { findFreePort };

export interface DevServer {
  /** `127.0.0.1:<port>` of the frontend gRPC service. */
  readonly address: string;
  readonly namespace: string;
  readonly pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. Idempotent. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

export interface DevServerOptions {
  /** Bound on how long to wait for the server to answer. Default 30000. */
  startTimeoutMs?: number;
  /** Path of the `temporal` CLI. Default: `$TEMPORAL_CLI_PATH`, else the repository's `.tools/venv/bin/temporal`. */
  cliPath?: string;
}

/** Starts a dev server and resolves once its `default` namespace answers. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  return startProductDevServer({
    startTimeoutMs: options.startTimeoutMs,
    cliPath: options.cliPath,
    headless: true,
    logLevel: 'error',
  });
}
