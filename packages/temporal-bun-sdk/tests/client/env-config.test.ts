import { afterAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EnvConfigError,
  defaultConfigFilePath,
  loadClientConnectConfig,
  resolveConnectionOptions,
  toNativeConnectionSettings,
} from '../../src/config';
import { resolveNativeConnectionOptions } from '../../src/connection';

const directory = mkdtempSync(join(tmpdir(), 'temporal-env-config-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let fileCounter = 0;
function writeFile(content: string, name = `temporal-${++fileCounter}.toml`): string {
  const path = join(directory, name);
  writeFileSync(path, content);
  return path;
}

const text = (bytes: Uint8Array | string | undefined) =>
  typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes);

const sampleConfig = writeFile(`
[profile.default]
address = "toml-server:7233"
namespace = "toml-ns"
api_key = "toml-key"

[profile.default.grpc_meta]
x_custom = "value"

[profile.custom]
address = "custom-server:9090"
namespace = "custom-ns"
`);

describe('loadClientConnectConfig', () => {
  test('an empty environment and no config file configure nothing', () => {
    expect(loadClientConnectConfig({ env: {}, configFile: undefined, disableFile: true })).toEqual({});
    expect(loadClientConnectConfig({ env: { HOME: directory, XDG_CONFIG_HOME: join(directory, 'nowhere') } })).toEqual(
      {},
    );
  });

  test('the default profile of the config file is used, with TLS on because it has an API key', () => {
    const config = loadClientConnectConfig({ configFile: sampleConfig, env: {} });
    expect(config).toEqual({
      address: 'toml-server:7233',
      namespace: 'toml-ns',
      apiKey: 'toml-key',
      tls: true,
      metadata: { 'x-custom': 'value' },
    });
  });

  test('TEMPORAL_PROFILE and the profile option choose another profile (the option wins)', () => {
    expect(loadClientConnectConfig({ configFile: sampleConfig, env: { TEMPORAL_PROFILE: 'custom' } })).toEqual({
      address: 'custom-server:9090',
      namespace: 'custom-ns',
    });
    expect(
      loadClientConnectConfig({ configFile: sampleConfig, profile: 'custom', env: { TEMPORAL_PROFILE: 'nope' } })
        .address,
    ).toBe('custom-server:9090');
  });

  test('TEMPORAL_CONFIG_FILE locates the config file', () => {
    expect(loadClientConnectConfig({ env: { TEMPORAL_CONFIG_FILE: sampleConfig } }).namespace).toBe('toml-ns');
  });

  test('the default config file lives in <config dir>/temporalio/temporal.toml', () => {
    if (process.platform !== 'linux') return;
    expect(defaultConfigFilePath({ XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/temporalio/temporal.toml');
    expect(defaultConfigFilePath({ HOME: '/home/u' })).toBe('/home/u/.config/temporalio/temporal.toml');
    const configHome = join(directory, 'xdg');
    const path = defaultConfigFilePath({ XDG_CONFIG_HOME: configHome }) ?? '';
    mkdirSync(join(configHome, 'temporalio'), { recursive: true });
    writeFileSync(path, '[profile.default]\naddress = "from-default-file:7233"\n');
    expect(loadClientConnectConfig({ env: { XDG_CONFIG_HOME: configHome } }).address).toBe('from-default-file:7233');
  });

  test('environment variables override the profile', () => {
    const config = loadClientConnectConfig({
      configFile: sampleConfig,
      env: { TEMPORAL_ADDRESS: 'env-server:7233', TEMPORAL_NAMESPACE: 'env-ns', TEMPORAL_API_KEY: 'env-key' },
    });
    expect(config.address).toBe('env-server:7233');
    expect(config.namespace).toBe('env-ns');
    expect(config.apiKey).toBe('env-key');
  });

  test('an empty variable counts as unset', () => {
    expect(loadClientConnectConfig({ configFile: sampleConfig, env: { TEMPORAL_ADDRESS: '' } }).address).toBe(
      'toml-server:7233',
    );
  });

  test('TEMPORAL_GRPC_META_* become normalised metadata keys; an empty value removes a profile header', () => {
    const config = loadClientConnectConfig({
      configFile: sampleConfig,
      env: { TEMPORAL_GRPC_META_SOME_KEY: 'some-value', TEMPORAL_GRPC_META_X_CUSTOM: '' },
    });
    expect(config.metadata).toEqual({ 'some-key': 'some-value' });
  });

  test('TEMPORAL_TLS=false turns off the TLS an API key would turn on', () => {
    expect(loadClientConnectConfig({ configFile: sampleConfig, env: { TEMPORAL_TLS: 'false' } }).tls).toBe(false);
    expect(loadClientConnectConfig({ disableFile: true, env: { TEMPORAL_TLS: 'true' } }).tls).toBe(true);
    expect(loadClientConnectConfig({ disableFile: true, env: { TEMPORAL_TLS: '1' } }).tls).toBe(true);
  });

  test('a malformed boolean is an error naming the variable', () => {
    expect(() => loadClientConnectConfig({ disableFile: true, env: { TEMPORAL_TLS: 'yes' } })).toThrow(
      /TEMPORAL_TLS must be true or false/,
    );
  });

  test('a tls table turns TLS on unless it says disabled = true', () => {
    const enabled = writeFile(
      '[profile.default]\naddress = "h:1"\n[profile.default.tls]\nserver_name = "sni.example"\n',
    );
    expect(loadClientConnectConfig({ configFile: enabled, env: {} }).tls).toEqual({
      serverNameOverride: 'sni.example',
    });
    const disabled = writeFile('[profile.default]\napi_key = "k"\n[profile.default.tls]\ndisabled = true\n');
    expect(loadClientConnectConfig({ configFile: disabled, env: {} }).tls).toBe(false);
    const empty = writeFile('[profile.default.tls]\n');
    expect(loadClientConnectConfig({ configFile: empty, env: {} }).tls).toBe(true);
  });

  test('certificates and keys are read from paths or taken as data', () => {
    const cert = writeFile('CERT-FROM-FILE', 'client.pem');
    const key = writeFile('KEY-FROM-FILE', 'client.key');
    const fromFile = writeFile(
      `[profile.default.tls]\nclient_cert_path = ${JSON.stringify(cert)}\nclient_key_path = ${JSON.stringify(key)}\nserver_ca_cert_data = "CA-DATA"\n`,
    );
    const tls = loadClientConnectConfig({ configFile: fromFile, env: {} }).tls;
    if (typeof tls !== 'object') throw new Error(`expected a TLS config, got ${String(tls)}`);
    expect(text(tls.clientCertPair?.crt)).toBe('CERT-FROM-FILE');
    expect(text(tls.clientCertPair?.key)).toBe('KEY-FROM-FILE');
    expect(text(tls.serverRootCACertificate)).toBe('CA-DATA');

    const fromEnv = loadClientConnectConfig({
      disableFile: true,
      env: {
        TEMPORAL_TLS_CLIENT_CERT_DATA: 'ENV-CERT',
        TEMPORAL_TLS_CLIENT_KEY_PATH: key,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: cert,
      },
    }).tls;
    if (typeof fromEnv !== 'object') throw new Error(`expected a TLS config, got ${String(fromEnv)}`);
    expect(text(fromEnv.clientCertPair?.crt)).toBe('ENV-CERT');
    expect(text(fromEnv.clientCertPair?.key)).toBe('KEY-FROM-FILE');
    expect(text(fromEnv.serverRootCACertificate)).toBe('CERT-FROM-FILE');
  });

  test("conflicting or incomplete TLS settings are errors that say what to change (in sdk-core's words)", () => {
    expect(() =>
      loadClientConnectConfig({
        disableFile: true,
        env: { TEMPORAL_TLS_CLIENT_CERT_PATH: '/a', TEMPORAL_TLS_CLIENT_CERT_DATA: 'b' },
      }),
    ).toThrow(
      /^invalid Temporal configuration \(TEMPORAL_\* variables\): Cannot specify both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_CERT_DATA$/,
    );
    expect(() =>
      loadClientConnectConfig({ disableFile: true, env: { TEMPORAL_TLS_CLIENT_CERT_DATA: 'cert' } }),
    ).toThrow(/needs both a client certificate and a client key/);
    const both = writeFile('[profile.default.tls]\nclient_cert_path = "/a"\nclient_cert_data = "b"\n');
    expect(() => loadClientConnectConfig({ configFile: both, env: {} })).toThrow(
      /Cannot specify both client_cert_path and client_cert_data/,
    );
    const dataInFile = writeFile('[profile.default.tls]\nserver_ca_cert_data = "ca"\n');
    expect(() =>
      loadClientConnectConfig({ configFile: dataInFile, env: { TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/ca.pem' } }),
    ).toThrow(/server CA cert path via TEMPORAL_TLS_SERVER_CA_CERT_PATH when server CA cert data is already specified/);
    expect(() =>
      loadClientConnectConfig({
        disableFile: true,
        env: { TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(directory, 'missing.pem') },
      }),
    ).toThrow(/could not read the server CA certificate at .*missing\.pem/);
  });

  test('TEMPORAL_TLS_DISABLE_HOST_VERIFICATION=true is rejected as unsupported, with what to do instead', () => {
    expect(() =>
      loadClientConnectConfig({ disableFile: true, env: { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' } }),
    ).toThrow(/not supported.*TEMPORAL_TLS_SERVER_NAME/);
    expect(
      loadClientConnectConfig({ disableFile: true, env: { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'false' } }).tls,
    ).toBe(true);
  });

  test('an explicitly named profile or config file that does not exist is an error; the default ones may be absent', () => {
    expect(() => loadClientConnectConfig({ configFile: sampleConfig, profile: 'staging', env: {} })).toThrow(
      /profile "staging" was not found in .*temporal-1\.toml \(it has: custom, default\)/,
    );
    expect(() => loadClientConnectConfig({ configFile: sampleConfig, env: { TEMPORAL_PROFILE: 'staging' } })).toThrow(
      EnvConfigError,
    );
    expect(() => loadClientConnectConfig({ configFile: join(directory, 'absent.toml'), env: {} })).toThrow(
      /does not exist/,
    );
    expect(loadClientConnectConfig({ env: { TEMPORAL_CONFIG_FILE: join(directory, 'absent.toml') } })).toEqual({});
    const noDefault = writeFile('[profile.other]\naddress = "x:1"\n');
    expect(loadClientConnectConfig({ configFile: noDefault, env: {} })).toEqual({});
  });

  test('malformed TOML or wrongly typed fields are errors naming the file', () => {
    const broken = writeFile('[profile.default\naddress = 1');
    expect(() => loadClientConnectConfig({ configFile: broken, env: {} })).toThrow(
      /temporal-\d+\.toml is not valid TOML/,
    );
    const wrongType = writeFile('[profile.default]\naddress = 7233\n');
    expect(() => loadClientConnectConfig({ configFile: wrongType, env: {} })).toThrow(
      /temporal-\d+\.toml is not valid TOML[\s\S]*line 2[\s\S]*invalid type: integer `7233`, expected a string/,
    );
  });

  test('disableEnv ignores the environment, disableFile the config file', () => {
    expect(
      loadClientConnectConfig({ configFile: sampleConfig, disableEnv: true, env: { TEMPORAL_ADDRESS: 'env:1' } })
        .address,
    ).toBe('toml-server:7233');
    expect(
      loadClientConnectConfig({ configFile: sampleConfig, disableFile: true, env: { TEMPORAL_ADDRESS: 'env:1' } }),
    ).toEqual({
      address: 'env:1',
    });
    expect(() => loadClientConnectConfig({ disableEnv: true, disableFile: true })).toThrow(EnvConfigError);
  });
  test('configData gives the file as text; configFileStrict refuses keys Temporal does not define', () => {
    const data = '[profile.default]\naddress = "from-data:1"\nadress_typo = "x"\n';
    expect(loadClientConnectConfig({ configData: data, env: {} }).address).toBe('from-data:1');
    expect(() => loadClientConnectConfig({ configData: data, configFileStrict: true, env: {} })).toThrow(
      /the config data is not valid TOML[\s\S]*unknown field `adress_typo`/,
    );
  });

  test('errors are EnvConfigErrors that keep the bridge error as their cause', () => {
    let caught: unknown;
    try {
      loadClientConnectConfig({ configData: '[profile.default\n', env: {} });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvConfigError);
    expect((caught as EnvConfigError).cause).toMatchObject({ name: 'NativeError', code: 'INVALID_ARGUMENT' });
  });
});

describe("resolveNativeConnectionOptions (the worker's connection)", () => {
  const env = { TEMPORAL_ADDRESS: 'env-host:7233', TEMPORAL_NAMESPACE: 'env-ns', TEMPORAL_GRPC_META_FROM_ENV: 'e' };

  test('resolves like the client: explicit options, then the environment, then the defaults', () => {
    expect(resolveNativeConnectionOptions({ envConfig: { env } })).toEqual({
      address: 'env-host:7233',
      namespace: 'env-ns',
      metadata: { 'from-env': 'e' },
      envConfig: false,
    });
    expect(
      resolveNativeConnectionOptions({
        address: 'mine:1',
        metadata: { 'from-env': 'mine' },
        identity: 'me',
        envConfig: { env },
      }),
    ).toEqual({
      address: 'mine:1',
      namespace: 'env-ns',
      metadata: { 'from-env': 'mine' },
      identity: 'me',
      envConfig: false,
    });
    expect(resolveNativeConnectionOptions({ envConfig: false })).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
      envConfig: false,
    });
  });

  test('an http:// address stays plaintext even when the environment has an API key', () => {
    const resolved = resolveNativeConnectionOptions({
      address: 'http://h:1',
      envConfig: { env: { TEMPORAL_API_KEY: 'k' } },
    });
    expect(resolved.address).toBe('http://h:1');
    expect(resolved.apiKey).toBe('k');
    expect(resolved.tls).toBeUndefined();
    expect(resolveNativeConnectionOptions({ envConfig: { env: { TEMPORAL_API_KEY: 'k' } } }).tls).toBe(true);
  });

  test("explicit PEM settings win over the environment's TLS", () => {
    const resolved = resolveNativeConnectionOptions({
      tls: { domain: 'sni', serverRootCaCert: 'CA' },
      envConfig: { env: { TEMPORAL_TLS: 'false' } },
    });
    expect(resolved.tls).toEqual({ domain: 'sni', serverRootCaCert: 'CA' });
    expect(() => resolveNativeConnectionOptions({ tls: { clientCert: 'CRT' }, envConfig: false })).toThrow(
      /clientCert and tls.clientPrivateKey go together/,
    );
  });
});

describe('resolveConnectionOptions', () => {
  test('explicit options win over the environment, and defaults fill the rest', () => {
    expect(resolveConnectionOptions({}, {})).toEqual({ address: 'localhost:7233', namespace: 'default' });
    expect(resolveConnectionOptions({ address: 'explicit:1' }, { address: 'env:1', namespace: 'env-ns' })).toEqual({
      address: 'explicit:1',
      namespace: 'env-ns',
    });
  });

  test('metadata merges key by key, explicit keys winning', () => {
    expect(
      resolveConnectionOptions({ metadata: { a: 'explicit' } }, { metadata: { a: 'env', b: 'env' } }).metadata,
    ).toEqual({
      a: 'explicit',
      b: 'env',
    });
  });

  test('an API key turns TLS on unless TLS was turned off explicitly', () => {
    expect(resolveConnectionOptions({ apiKey: 'k' }, {}).tls).toBe(true);
    expect(resolveConnectionOptions({ apiKey: 'k', tls: false }, {}).tls).toBeUndefined();
    expect(resolveConnectionOptions({ apiKey: 'k' }, { tls: false }).tls).toBeUndefined();
    expect(resolveConnectionOptions({ tls: null }, { tls: true }).tls).toBeUndefined();
    expect(resolveConnectionOptions({ tls: { serverNameOverride: 'x' } }, { tls: false }).tls).toEqual({
      serverNameOverride: 'x',
    });
  });
});

describe('toNativeConnectionSettings', () => {
  test('TLS settings become the bridge PEM strings', () => {
    const native = toNativeConnectionSettings({
      address: 'h:1',
      namespace: 'n',
      tls: {
        serverNameOverride: 'sni',
        serverRootCACertificate: new TextEncoder().encode('CA'),
        clientCertPair: { crt: 'CRT', key: new TextEncoder().encode('KEY') },
      },
    });
    expect(native).toEqual({
      address: 'h:1',
      tls: { domain: 'sni', serverRootCaCert: 'CA', clientCert: 'CRT', clientPrivateKey: 'KEY' },
    });
  });

  test('an API key over plaintext keeps an http:// address so the bridge does not switch to TLS', () => {
    expect(toNativeConnectionSettings({ address: 'h:1', namespace: 'n', apiKey: 'k' }).address).toBe('http://h:1');
    expect(toNativeConnectionSettings({ address: 'h:1', namespace: 'n', apiKey: 'k', tls: true })).toEqual({
      address: 'h:1',
      apiKey: 'k',
      tls: true,
    });
  });
});
