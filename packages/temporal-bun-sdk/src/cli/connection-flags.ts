/**
 * The connection flags shared by the CLIs, merged over Temporal's environment conventions
 * (`TEMPORAL_*` variables, `temporal.toml` profiles): a flag wins over the environment, which wins
 * over the profile.
 */
import {
  loadClientConnectConfig,
  resolveConnectionOptions,
  toNativeConnectionSettings,
  type ClientConnectConfig,
  type ConnectionSettings,
  type NativeConnectionSettings,
  type TLSConfig,
} from '../config';
import { redactAddress } from '../common/redact';
import { CliUsageError } from './cli-errors';
import { readFileFlag, nonEmptyFlag, type FlagSpecs } from './flag-values';

export const CONNECTION_FLAGS = {
  address: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  'api-key': { type: 'string' },
  'api-key-file': { type: 'string' },
  tls: { type: 'boolean' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-server-name': { type: 'string' },
  profile: { type: 'string' },
  'config-file': { type: 'string' },
} as const satisfies FlagSpecs;

export const CONNECTION_FLAGS_USAGE = `Connection (flags win over TEMPORAL_* variables, which win over the temporal.toml profile):
  --address <host:port>      Temporal frontend (TEMPORAL_ADDRESS; default localhost:7233)
  -n, --namespace <name>     Namespace (TEMPORAL_NAMESPACE; default "default")
  --api-key <key>            API key, e.g. for Temporal Cloud; turns TLS on. Other processes can
                             read a flag's value (ps): prefer TEMPORAL_API_KEY or --api-key-file
  --api-key-file <file>      Read the API key from a file (its first line)
  --tls                      Use TLS with the system's root certificates (TEMPORAL_TLS)
  --tls-cert <file>          Client certificate (PEM) for mTLS, with --tls-key
  --tls-key <file>           Client private key (PEM) for mTLS, with --tls-cert
  --tls-ca <file>            CA certificate (PEM) to trust instead of the system's roots
  --tls-server-name <name>   Server name to verify, when it differs from the address's host
  --profile <name>           Profile of temporal.toml (TEMPORAL_PROFILE; default "default")
  --config-file <file>       Path of temporal.toml (TEMPORAL_CONFIG_FILE)`;

export interface ConnectionFlagValues {
  address?: string;
  namespace?: string;
  'api-key'?: string;
  'api-key-file'?: string;
  tls?: boolean;
  'tls-cert'?: string;
  'tls-key'?: string;
  'tls-ca'?: string;
  'tls-server-name'?: string;
  profile?: string;
  'config-file'?: string;
}

/** Where and how to connect, and the namespace to use. */
export interface CliConnection {
  namespace: string;
  /** For `NativeConnection.connect` / `createWorker({ connection })`. */
  native: NativeConnectionSettings;
  /** The address as the user would write it, credentials replaced (for messages). */
  address: string;
}

/** TLS from the flags over the environment's TLS: a flag replaces one field, not the whole setting. */
function tlsFromFlags(values: ConnectionFlagValues, fromEnv: ClientConnectConfig): ConnectionSettings['tls'] {
  const cert = readFileFlag(values['tls-cert'], 'tls-cert');
  const key = readFileFlag(values['tls-key'], 'tls-key');
  const ca = readFileFlag(values['tls-ca'], 'tls-ca');
  const serverName = nonEmptyFlag(values['tls-server-name'], 'tls-server-name');
  const anyTlsFile = cert !== undefined || key !== undefined || ca !== undefined || serverName !== undefined;
  if (!values.tls && !anyTlsFile) return undefined;

  const config: TLSConfig = typeof fromEnv.tls === 'object' ? { ...fromEnv.tls } : {};
  if (ca !== undefined) config.serverRootCACertificate = ca;
  if (serverName !== undefined) config.serverNameOverride = serverName;
  if (cert !== undefined || key !== undefined) {
    const crt = cert ?? config.clientCertPair?.crt;
    const privateKey = key ?? config.clientCertPair?.key;
    if (crt === undefined || privateKey === undefined) {
      throw new CliUsageError(
        `mTLS needs both --tls-cert and --tls-key (got only --${cert === undefined ? 'tls-key' : 'tls-cert'})`,
      );
    }
    config.clientCertPair = { crt, key: privateKey };
  }
  return Object.keys(config).length === 0 ? true : config;
}

/**
 * Resolves the connection from flags, `env` and the config file. With `localDevServer`, the
 * address is left to {@link atAddress} (the server is not started yet) and TLS and the API key,
 * meant for another service, are dropped; the namespace is still resolved as usual.
 */
export function connectionFromFlags(
  values: ConnectionFlagValues,
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: { localDevServer?: boolean } = {},
): CliConnection {
  const fromEnv = loadClientConnectConfig({ profile: values.profile, configFile: values['config-file'], env });
  const explicit: ConnectionSettings = {
    address: nonEmptyFlag(values.address, 'address'),
    namespace: nonEmptyFlag(values.namespace, 'namespace'),
    apiKey: apiKeyFromFlags(values),
    tls: tlsFromFlags(values, fromEnv),
  };
  if (options.localDevServer) {
    explicit.tls = null;
    delete fromEnv.apiKey;
    delete explicit.apiKey;
  }
  const resolved = resolveConnectionOptions(explicit, fromEnv);
  return {
    namespace: resolved.namespace,
    native: toNativeConnectionSettings(resolved),
    address: redactAddress(resolved.address),
  };
}

/** `--api-key`, or the first line of `--api-key-file` (not both). */
function apiKeyFromFlags(values: ConnectionFlagValues): string | undefined {
  if (values['api-key'] !== undefined && values['api-key-file'] !== undefined) {
    throw new CliUsageError('pass --api-key or --api-key-file, not both');
  }
  const fromFile = readFileFlag(values['api-key-file'], 'api-key-file');
  if (fromFile === undefined) return nonEmptyFlag(values['api-key'], 'api-key');
  const key = fromFile.split(/\r?\n/, 1)[0]!.trim();
  if (key === '') throw new CliUsageError(`--api-key-file: ${values['api-key-file']} holds no key on its first line`);
  return key;
}

/** The same connection to another (plaintext) address, e.g. the dev server started for it. */
export function atAddress(connection: CliConnection, address: string): CliConnection {
  return { ...connection, address: redactAddress(address), native: { ...connection.native, address } };
}
