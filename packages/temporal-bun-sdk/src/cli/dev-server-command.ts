/**
 * `temporal-bun dev-server`: a local Temporal dev server (`temporal server start-dev`) in the
 * foreground until SIGINT/SIGTERM, on the conventional ports so that workers and clients with
 * default settings (`localhost:7233`) find it.
 */
import { startDevServer, type DevServerLogLevel } from '../dev-server';
import { CliError, CliUsageError, EXIT_CODES } from './cli-errors';
import { integerFlag, nonEmptyFlag, parseFlags } from './flag-values';

const DEFAULT_PORT = 7233;
/** The `temporal` CLI's convention: the UI listens 1000 above the gRPC port. */
const UI_PORT_OFFSET = 1000;
const SERVER_LOG_LEVELS: readonly DevServerLogLevel[] = ['debug', 'info', 'warn', 'error', 'never'];

export const DEV_SERVER_USAGE = `Usage: temporal-bun dev-server [--port <port>] [--ui-port <port> | --headless] [--db-file <file>]

Starts a local Temporal dev server (the \`temporal\` CLI's \`server start-dev\`), prints its
address, and runs until SIGINT/SIGTERM, then stops it. Its state is in memory unless --db-file.

  --port <port>          gRPC port (default ${DEFAULT_PORT}; 0: any free port)
  --ui-port <port>       Web UI port (default: the gRPC port + ${UI_PORT_OFFSET}; 0: any free port)
  --headless             No web UI
  --db-file <file>       SQLite file that keeps workflows across restarts
  --ip <address>         Interface to listen on (default 127.0.0.1)
  -n, --namespace <name> Extra namespace to create ("default" always exists)
  --log-level <level>    Server log level: ${SERVER_LOG_LEVELS.join(', ')} (default error)
  --cli-path <file>      The \`temporal\` CLI to run (default: $TEMPORAL_CLI_PATH, the project's
                         .tools/venv/bin/temporal, or \`temporal\` on PATH)
  -h, --help             Show this help
`;

const DEV_SERVER_FLAGS = {
  port: { type: 'string', short: 'p' },
  'ui-port': { type: 'string' },
  headless: { type: 'boolean' },
  'db-file': { type: 'string' },
  ip: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  'log-level': { type: 'string' },
  'cli-path': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runDevServerCommand(argv: string[]): Promise<number> {
  const values = parseFlags(argv, DEV_SERVER_FLAGS);
  if (values.help) {
    process.stdout.write(DEV_SERVER_USAGE);
    return EXIT_CODES.ok;
  }
  if (values.headless && values['ui-port'] !== undefined)
    throw new CliUsageError('dev-server: pass --ui-port or --headless, not both');
  const logLevel = values['log-level']?.toLowerCase() as DevServerLogLevel | undefined;
  if (logLevel !== undefined && !SERVER_LOG_LEVELS.includes(logLevel)) {
    throw new CliUsageError(
      `--log-level must be one of ${SERVER_LOG_LEVELS.join(', ')}, got ${JSON.stringify(values['log-level'])}`,
    );
  }
  const port = integerFlag(values.port, 'port', 0, 65_535) ?? DEFAULT_PORT;
  let uiPort = integerFlag(values['ui-port'], 'ui-port', 0, 65_535);
  if (!values.headless && uiPort === undefined)
    uiPort = port === 0 || port + UI_PORT_OFFSET > 65_535 ? 0 : port + UI_PORT_OFFSET;

  const server = await startDevServer({
    ip: nonEmptyFlag(values.ip, 'ip'),
    port,
    uiPort,
    headless: values.headless ?? false,
    namespace: nonEmptyFlag(values.namespace, 'namespace'),
    dbFilename: nonEmptyFlag(values['db-file'], 'db-file'),
    cliPath: nonEmptyFlag(values['cli-path'], 'cli-path'),
    logLevel,
  });

  let stopRequested = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopRequested) return;
    stopRequested = true;
    process.stderr.write(`temporal-bun dev-server: ${signal}: stopping the dev server\n`);
    void server.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  process.stdout.write(
    `Temporal dev server: ${server.address} (namespace "${server.namespace}", pid ${server.pid})\n` +
      (server.uiAddress ? `Web UI: ${server.uiAddress}\n` : '') +
      `Connect with TEMPORAL_ADDRESS=${server.address}; press Ctrl+C to stop.\n`,
  );

  const exit = await server.exited;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (!stopRequested) {
    process.stderr.write(`${server.output()}\n`);
    throw new CliError(`the dev server exited unexpectedly (${exit.code ?? exit.signal}); its output is above`);
  }
  process.stderr.write('temporal-bun dev-server: stopped\n');
  return EXIT_CODES.ok;
}
