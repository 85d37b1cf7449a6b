/**
 * A local Temporal dev server: `temporal server start-dev` (the `temporal` CLI) as a child
 * process on loopback ports, waited on until its namespace answers, stopped by PID.
 *
 * The design lists a Rust `DevServer` in the bridge; spawning the CLI from TypeScript does the same
 * job without blocking the JS thread or adding FFI surface, so that is what this module does.
 *
 * @example
 * const server = await startDevServer();            // in-memory, headless, free port
 * const worker = await createWorker({ connection: { address: server.address }, ... });
 * ...
 * await server.stop();
 */
import type { Subprocess } from 'bun';
import { createServer } from 'node:net';
import { findTemporalCli } from './temporal-cli';

/** Log levels of `temporal server start-dev`. */
export type DevServerLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'never';

export interface DevServerOptions {
  /** Interface the server binds to. Default `'127.0.0.1'` (loopback only). */
  ip?: string;
  /** Port of the frontend gRPC service. Default (or `0`): a free port. */
  port?: number;
  /** Port of the web UI; setting it turns the UI on. `0`: a free port. */
  uiPort?: number;
  /** No web UI. Default `true` unless `uiPort` is set; `false` without `uiPort` puts the UI on a free port. */
  headless?: boolean;
  /** Namespace created at start (the `default` namespace always exists). Default `'default'`. */
  namespace?: string;
  /** SQLite file that keeps the server's state across runs. Default: in memory, lost when the server stops. */
  dbFilename?: string;
  /** Path of the `temporal` CLI. Default: found by {@link findTemporalCli}. */
  cliPath?: string;
  /** The server's own log level (its output is kept for error messages, not printed). Default `'error'`. */
  logLevel?: DevServerLogLevel;
  /** How long to wait for the server to answer, in milliseconds. Default 30000. */
  startTimeoutMs?: number;
  /**
   * More arguments for `temporal server start-dev`, after the ones these options produce (e.g.
   * `['--search-attribute', 'CustomerId=Keyword', '--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true']`).
   */
  extraArgs?: readonly string[];
}

export interface DevServer {
  /** `host:port` of the frontend gRPC service, e.g. `127.0.0.1:40123`. */
  readonly address: string;
  /** `http://host:port` of the web UI, unless headless. */
  readonly uiAddress: string | undefined;
  readonly namespace: string;
  readonly pid: number;
  /** Resolves when the server process exits, for whatever reason. */
  readonly exited: Promise<DevServerExit>;
  /** The server's stdout and stderr: their first two and last eight thousand characters. */
  output(): string;
  /** Stops the server (SIGTERM, then SIGKILL after `graceMs`, default 5000) and waits for it to exit. Idempotent. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

export interface DevServerExit {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended it (e.g. `'SIGTERM'`), or null. */
  signal: string | null;
}

/** The dev server could not be started; `output` holds the tail of what it printed. */
export class DevServerStartError extends Error {
  override readonly name = 'DevServerStartError';
  constructor(
    message: string,
    readonly output: string,
    options?: { cause?: unknown },
  ) {
    super(output === '' ? message : `${message}\n${output}`, options);
  }
}

const DEFAULTS = {
  ip: '127.0.0.1',
  namespace: 'default',
  logLevel: 'error' as DevServerLogLevel,
  startTimeoutMs: 30_000,
  stopGraceMs: 5_000,
  probeIntervalMs: 200,
};
/** Kept of each output stream for error messages: its first and its last characters. */
const OUTPUT_HEAD_CHARS = 2_000;
const OUTPUT_TAIL_CHARS = 8_000;

/** A port that was free on `ip` a moment ago (the OS picks it). */
export async function findFreePort(ip = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, ip, () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') {
        probe.close();
        reject(new Error('could not read the port of a probe listener'));
        return;
      }
      probe.close(() => resolvePort(address.port));
    });
  });
}

/** Whether nothing listens on `ip:port` right now. */
export async function isPortFree(port: number, ip = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolveFree) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => resolveFree(false));
    probe.listen(port, ip, () => probe.close(() => resolveFree(true)));
  });
}

/**
 * Starts `temporal server start-dev` and resolves once `namespace` answers. Rejects with
 * {@link DevServerStartError} (carrying the server's output) if the server exits early or does not
 * answer within `startTimeoutMs`, and with `TemporalCliNotFoundError` if there is no CLI; nothing is
 * left running then. The server is killed when this process exits, if it was not stopped before.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  // Ports are picked free and bound by the server a moment later, and the CLI picks more of its own
  // (HTTP API, metrics, internal services) the same way: another process may take one in between.
  // The server then exits, sometimes with a panic whose trace buries the bind error. When the ports
  // were ours to pick, pick again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(options);
    } catch (error) {
      const portTaken = error instanceof DevServerStartError && portConflicts.has(error);
      const portAskedFor = options.port !== undefined && options.port !== 0;
      if (!portTaken || portAskedFor || attempt === PORT_ATTEMPTS) throw error;
    }
  }
}

/** Start errors of servers that printed a bind error (anywhere in their output, not only its tail). */
const portConflicts = new WeakSet<DevServerStartError>();
const PORT_IN_USE = 'address already in use';

/** Tries to bind ports this many times when {@link startDevServer} picks them. */
const PORT_ATTEMPTS = 3;

async function startDevServerOnce(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? DEFAULTS.ip;
  const namespace = options.namespace ?? DEFAULTS.namespace;
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULTS.startTimeoutMs;
  if (options.headless === true && options.uiPort !== undefined) {
    throw new TypeError('startDevServer: set uiPort or headless, not both');
  }
  const cliPath = findTemporalCli(options.cliPath);
  const port = await choosePort(options.port, ip, 'port');
  const headless = options.headless ?? options.uiPort === undefined;
  let uiPort = headless ? undefined : await choosePort(options.uiPort, ip, 'uiPort');
  // Two free ports picked one after the other may be the same port.
  while (uiPort === port && !options.uiPort) uiPort = await findFreePort(ip);
  if (uiPort === port) throw new TypeError(`startDevServer: port and uiPort must differ, both are ${port}`);

  const args = [
    cliPath,
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--log-level',
    options.logLevel ?? DEFAULTS.logLevel,
  ];
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  if (namespace !== 'default') args.push('--namespace', namespace);
  if (options.dbFilename !== undefined) args.push('--db-filename', options.dbFilename);
  if (options.extraArgs !== undefined) args.push(...options.extraArgs);

  const child = Bun.spawn(args, {
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    env: withoutTemporalSettings(process.env),
    // Its own process group: Ctrl+C in a terminal reaches this program only, which decides when the
    // server stops (a worker draining on SIGINT still needs its server).
    detached: true,
  });
  trackChild(child);
  const serverOutput = collectOutput(child.stdout, child.stderr, PORT_IN_USE);
  const exited: Promise<DevServerExit> = child.exited.then(() => {
    untrackChild(child);
    const signal = child.signalCode;
    return { code: child.exitCode, signal: signal === null ? null : String(signal) };
  });

  let stopping: Promise<void> | undefined;
  const stop = (stopOptions: { graceMs?: number } = {}): Promise<void> => {
    stopping ??= (async () => {
      if (!hasExited(child)) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), stopOptions.graceMs ?? DEFAULTS.stopGraceMs);
        await exited;
        clearTimeout(timer);
      }
      untrackChild(child);
    })();
    return stopping;
  };

  const address = `${hostForClients(ip)}:${port}`;
  try {
    await waitUntilAnswering({ cliPath, address, namespace, startTimeoutMs, child });
  } catch (error) {
    await stop({ graceMs: 1_000 });
    const output = await serverOutput.settled();
    const startError = new DevServerStartError(
      `temporal server start-dev on ${address}: ${(error as Error).message}`,
      output,
      { cause: error },
    );
    if (serverOutput.sawWatched()) portConflicts.add(startError);
    throw startError;
  }
  return {
    address,
    uiAddress: uiPort === undefined ? undefined : `http://${hostForClients(ip)}:${uiPort}`,
    namespace,
    pid: child.pid,
    exited,
    output: serverOutput.text,
    stop,
  };
}

async function choosePort(requested: number | undefined, ip: string, option: string): Promise<number> {
  if (requested === undefined || requested === 0) return findFreePort(ip);
  if (!Number.isInteger(requested) || requested < 1 || requested > 65_535) {
    throw new TypeError(`startDevServer: ${option} must be an integer in [0, 65535], got ${JSON.stringify(requested)}`);
  }
  // Checked first so that an existing server on the port is never mistaken for ours.
  if (!(await isPortFree(requested, ip))) {
    throw new DevServerStartError(
      `${option} ${requested} on ${ip} is already in use: stop what runs there or choose another port`,
      '',
    );
  }
  return requested;
}

/** Where clients connect when the server binds `ip` (a wildcard address is reached on loopback). */
function hostForClients(ip: string): string {
  if (ip === '0.0.0.0' || ip === '') return '127.0.0.1';
  if (ip === '::') return '[::1]';
  return ip.includes(':') && !ip.startsWith('[') ? `[${ip}]` : ip;
}

/**
 * The user's Temporal connection settings (address, TLS, API key, profile) are for their real
 * service; they must not reach the dev server or the readiness probe.
 */
function withoutTemporalSettings(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('TEMPORAL_')));
}

function hasExited(child: Subprocess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitUntilAnswering(target: {
  cliPath: string;
  address: string;
  namespace: string;
  startTimeoutMs: number;
  child: Subprocess;
}): Promise<void> {
  const deadline = Date.now() + target.startTimeoutMs;
  for (;;) {
    if (hasExited(target.child)) {
      throw new Error(`the server exited (${target.child.exitCode ?? target.child.signalCode}) before answering`);
    }
    if (await namespaceAnswers(target.cliPath, target.address, target.namespace)) {
      // A probe can only succeed against our child: the port was free when it was chosen.
      if (hasExited(target.child)) continue;
      return;
    }
    if (Date.now() > deadline) throw new Error(`the server did not answer within ${target.startTimeoutMs} ms`);
    await Bun.sleep(DEFAULTS.probeIntervalMs);
  }
}

async function namespaceAnswers(cliPath: string, address: string, namespace: string): Promise<boolean> {
  const probe = Bun.spawn(
    [
      cliPath,
      'operator',
      'namespace',
      'describe',
      '--namespace',
      namespace,
      '--address',
      address,
      '--disable-config-file',
      '--disable-config-env',
      '--command-timeout',
      '2s',
      '--output',
      'json',
    ],
    { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore', env: withoutTemporalSettings(process.env) },
  );
  return (await probe.exited) === 0;
}

/**
 * Keeps the pipes drained, and of each stream its first and last characters for error messages (a
 * Go panic prints its cause first and its trace after). `sawWatched` tells whether a stream ever
 * printed `watched`, wherever it was.
 */
function collectOutput(
  stdout: ReadableStream<Uint8Array>,
  stderr: ReadableStream<Uint8Array>,
  watched: string,
): { text(): string; settled(): Promise<string>; sawWatched(): boolean } {
  const streams = { stdout: keptText(), stderr: keptText() };
  let seen = false;
  const drain = async (name: keyof typeof streams, stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let carry = '';
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      streams[name].append(text);
      // The watched text may straddle two chunks: look at the end of the last one too.
      const recent = carry + text;
      if (recent.includes(watched)) seen = true;
      carry = recent.slice(-watched.length);
    }
  };
  const drained = Promise.all([drain('stdout', stdout), drain('stderr', stderr)]).catch(() => undefined);
  const text = () =>
    (['stdout', 'stderr'] as const)
      .map((name) => {
        const kept = streams[name].text().trim();
        return kept && `server ${name}:\n${kept}`;
      })
      .filter(Boolean)
      .join('\n');
  // Once the process is gone its pipes close soon; do not wait long for them.
  const settled = async () => {
    await Promise.race([drained, Bun.sleep(500)]);
    return text();
  };
  return { text, settled, sawWatched: () => seen };
}

/** The first {@link OUTPUT_HEAD_CHARS} and the last {@link OUTPUT_TAIL_CHARS} characters of a stream. */
function keptText(): { append(text: string): void; text(): string } {
  let head = '';
  let tail = '';
  let dropped = false;
  return {
    append(text) {
      const room = OUTPUT_HEAD_CHARS - head.length;
      if (room > 0) {
        head += text.slice(0, room);
        text = text.slice(room);
      }
      const joined = tail + text;
      if (joined.length > OUTPUT_TAIL_CHARS) dropped = true;
      tail = joined.slice(-OUTPUT_TAIL_CHARS);
    },
    text: () => (dropped ? `${head}\n[…]\n${tail}` : head + tail),
  };
}

// Servers started by this process and still running: killed when the process exits, so that
// none outlives the program that started it.
const runningChildren = new Set<Subprocess>();
const TERMINATION_SIGNALS = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const;
const signalListeners = new Map<NodeJS.Signals, () => void>();

function killAllChildren(): void {
  for (const child of runningChildren) child.kill('SIGKILL');
}

function trackChild(child: Subprocess): void {
  if (runningChildren.size === 0) {
    process.on('exit', killAllChildren);
    for (const [signal, exitCode] of TERMINATION_SIGNALS) {
      // Only when nobody else handles the signal: then the process would have died of it, and the
      // servers with it. A program with its own handler (a worker shutting down gracefully) keeps
      // its servers until it exits.
      const listener = () => {
        if (process.listenerCount(signal) > 1) return;
        killAllChildren();
        process.exit(exitCode);
      };
      signalListeners.set(signal, listener);
      process.on(signal, listener);
    }
  }
  runningChildren.add(child);
}

function untrackChild(child: Subprocess): void {
  if (!runningChildren.delete(child) || runningChildren.size > 0) return;
  process.off('exit', killAllChildren);
  for (const [signal, listener] of signalListeners) process.off(signal, listener);
  signalListeners.clear();
}
