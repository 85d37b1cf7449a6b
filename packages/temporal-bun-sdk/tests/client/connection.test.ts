/**
 * Connection.connect against a real dev server and against nothing: settings from the environment
 * and temporal.toml, explicit options winning, and errors that say what to do next.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, ConnectionError, EnvConfigError, NamespaceNotFoundError } from '../../src/client';
import { findFreePort } from '../helpers/dev-server';
import { useServerConnection } from '../helpers/server-connection';

const env = useServerConnection();

/** The TEMPORAL_* variables a test sets, restored afterwards. */
const savedVariables = new Map<string, string | undefined>();
function setEnv(variables: Record<string, string>): void {
  for (const [name, value] of Object.entries(variables)) {
    if (!savedVariables.has(name)) savedVariables.set(name, process.env[name]);
    process.env[name] = value;
  }
}
afterEach(() => {
  for (const [name, value] of savedVariables) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  savedVariables.clear();
});

const scratch = mkdtempSync(join(tmpdir(), 'temporal-connection-'));
/** Keeps the machine's own ~/.config/temporalio/temporal.toml out of the tests. */
const noConfigFile = { TEMPORAL_CONFIG_FILE: join(scratch, 'absent.toml') };

describe('Connection.connect', () => {
  test('an unreachable address fails with a ConnectionError that names the address and what to do', async () => {
    const address = `127.0.0.1:${await findFreePort()}`;
    let error: unknown;
    try {
      await Connection.connect({ address, connectTimeout: '3s', envConfig: false });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConnectionError);
    const connectionError = error as ConnectionError;
    expect(connectionError.address).toBe(address);
    expect(connectionError.message).toContain(address);
    expect(connectionError.message).toContain('temporal-bun dev-server');
    expect(connectionError.message).toContain('TEMPORAL_ADDRESS');
  });

  test('a lazy connection reports the same ConnectionError on its first call', async () => {
    const address = `127.0.0.1:${await findFreePort()}`;
    const client = new Client({ connection: Connection.lazy({ address, connectTimeout: '3s', envConfig: false }) });
    await expect(client.workflow.getHandle('anything').describe()).rejects.toBeInstanceOf(ConnectionError);
  });

  test('TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE are honoured when no address is given', async () => {
    setEnv({ ...noConfigFile, TEMPORAL_ADDRESS: env.server.address, TEMPORAL_NAMESPACE: env.server.namespace });
    const connection = await Connection.connect();
    try {
      expect(connection.options.address).toBe(env.server.address);
      expect(connection.options.namespace).toBe(env.server.namespace);
      const client = new Client({ connection });
      expect(client.options.namespace).toBe(env.server.namespace);
      expect((await client.workflowService.getSystemInfo({})).capabilities).toBeDefined();
    } finally {
      await connection.close();
    }
  });

  test('explicit options win over TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE', async () => {
    setEnv({ ...noConfigFile, TEMPORAL_ADDRESS: `127.0.0.1:${await findFreePort()}`, TEMPORAL_NAMESPACE: 'from-env' });
    const connection = await Connection.connect({ address: env.server.address, namespace: env.server.namespace });
    try {
      expect(connection.options.address).toBe(env.server.address);
      expect(connection.options.namespace).toBe(env.server.namespace);
    } finally {
      await connection.close();
    }
  });

  test('a client without a connection connects on first use from the environment', async () => {
    setEnv({ ...noConfigFile, TEMPORAL_ADDRESS: env.server.address });
    const client = new Client();
    try {
      const workflowId = `from-the-environment-${randomUUID()}`;
      const handle = await client.workflow.start('noWorkerPollsThis', {
        taskQueue: `no-worker-${randomUUID()}`,
        workflowId,
      });
      const description = await handle.describe();
      expect(client.connection.options.address).toBe(env.server.address);
      expect(description.workflowId).toBe(workflowId);
      expect(description.type).toBe('noWorkerPollsThis');
      expect(description.status.name).toBe('RUNNING');
      await handle.terminate('test done');
    } finally {
      await client.connection.close();
    }
  });

  test('a temporal.toml profile chosen by TEMPORAL_PROFILE supplies address and namespace', async () => {
    const configFile = join(scratch, 'temporal.toml');
    writeFileSync(
      configFile,
      `[profile.default]\naddress = "127.0.0.1:1"\n\n[profile.local]\naddress = "${env.server.address}"\nnamespace = "${env.server.namespace}"\n`,
    );
    setEnv({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'local' });
    const connection = await Connection.connect();
    try {
      expect(connection.options.address).toBe(env.server.address);
    } finally {
      await connection.close();
    }
  });

  test('a namespace the server does not know shows up as NamespaceNotFoundError', async () => {
    const connection = await Connection.connect({ address: env.server.address, envConfig: false });
    try {
      const client = new Client({ connection, namespace: 'no-such-namespace' });
      await expect(client.workflow.getHandle('anything').describe()).rejects.toBeInstanceOf(NamespaceNotFoundError);
    } finally {
      await connection.close();
    }
  });

  test('a broken temporal.toml fails at once with an EnvConfigError naming the file', () => {
    const configFile = join(scratch, 'broken.toml');
    writeFileSync(configFile, '[profile.default\n');
    setEnv({ TEMPORAL_CONFIG_FILE: configFile });
    expect(() => Connection.lazy()).toThrow(EnvConfigError);
    expect(() => Connection.lazy()).toThrow(configFile);
  });

  test('close() is idempotent and later calls say the connection is closed', async () => {
    const connection = await Connection.connect({ address: env.server.address, envConfig: false });
    await connection.close();
    await connection.close();
    await expect(connection.call('GetSystemInfo', {})).rejects.toThrow(/connection is closed/);
  });
});

process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
