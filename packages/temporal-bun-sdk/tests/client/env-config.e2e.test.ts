/**
 * One configuration path: a client and a worker created with default options in one process both
 * reach the server that `TEMPORAL_*` or the `temporal.toml` profile names (a dev server on a port
 * that is not 7233, with a namespace that is not `default`), and the worker runs the workflow the
 * client started. Each case runs in a process of its own, since its environment is the input.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDevServer as startProductDevServer, type DevServer } from '../../src/dev-server';
import { runBunForJson } from '../helpers/json-process';

const NAMESPACE = 'env-config-ns';
let server: DevServer;
const directory = mkdtempSync(join(tmpdir(), 'temporal-env-config-e2e-'));

beforeAll(async () => {
  server = await startProductDevServer({ namespace: NAMESPACE, headless: true, logLevel: 'error' });
});
afterAll(async () => {
  await server?.stop();
  rmSync(directory, { recursive: true, force: true });
});

interface ProcessOutput {
  result: { namespace: string; taskQueue: string };
  client: { address: string; namespace: string };
}

/**
 * Runs the fixture with only `variables` as Temporal settings: the test's own `TEMPORAL_*`
 * variables are left out, and the OS config dir is an empty one (no user temporal.toml).
 */
async function runWithEnvironment(variables: Record<string, string>, taskQueue: string): Promise<ProcessOutput> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && (!name.startsWith('TEMPORAL_') || name === 'TEMPORAL_BUN_BRIDGE_PATH'))
      env[name] = value;
  }
  env.XDG_CONFIG_HOME = join(directory, 'empty-config-home');
  Object.assign(env, variables);
  return runBunForJson<ProcessOutput>([resolve(import.meta.dir, 'fixtures/default-options-process.ts'), taskQueue], {
    env,
  });
}

describe('a client and a worker with default options resolve their connection the same way', () => {
  test('the server is not on the default port', () => {
    expect(server.address.endsWith(':7233')).toBe(false);
  });

  test('TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE: the worker runs the workflow the client started', async () => {
    const output = await runWithEnvironment(
      { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: NAMESPACE },
      'env-variables',
    );
    expect(output).toEqual({
      result: { namespace: NAMESPACE, taskQueue: 'env-variables' },
      client: { address: server.address, namespace: NAMESPACE },
    });
  });

  test('a temporal.toml profile named by TEMPORAL_CONFIG_FILE: the worker runs the workflow the client started', async () => {
    const configFile = join(directory, 'temporal.toml');
    writeFileSync(configFile, `[profile.default]\naddress = "${server.address}"\nnamespace = "${NAMESPACE}"\n`);
    const output = await runWithEnvironment({ TEMPORAL_CONFIG_FILE: configFile }, 'config-profile');
    expect(output).toEqual({
      result: { namespace: NAMESPACE, taskQueue: 'config-profile' },
      client: { address: server.address, namespace: NAMESPACE },
    });
  });

  test('TEMPORAL_PROFILE picks the profile both use', async () => {
    const configFile = join(directory, 'profiles.toml');
    // The default profile names a port nothing listens on: only the chosen profile can work.
    writeFileSync(
      configFile,
      `[profile.default]\naddress = "127.0.0.1:1"\n\n[profile.local]\naddress = "${server.address}"\nnamespace = "${NAMESPACE}"\n`,
    );
    const output = await runWithEnvironment(
      { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'local' },
      'named-profile',
    );
    expect(output.result).toEqual({ namespace: NAMESPACE, taskQueue: 'named-profile' });
    expect(output.client.address).toBe(server.address);
  });
});
