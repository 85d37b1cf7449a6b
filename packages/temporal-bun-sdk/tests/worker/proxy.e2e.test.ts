/**
 * `NativeConnection.connect({ proxy })` (the official SDK's `ProxyConfig`): the worker reaches the
 * server through a real local HTTP CONNECT proxy, with and without basic auth; wrong credentials
 * fail naming the proxy's refusal and never echo the password; malformed proxy options are refused.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import type { NativeError } from '../../src/native';
import { NativeConnection } from '../../src/worker';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy';
import { failure } from '../helpers/failure';
import { runFeatureWorkflowOver } from '../helpers/feature-workflow';
import { useServerConnection } from '../helpers/server-connection';

const env = useServerConnection();
const credentials = { username: 'worker', password: `proxy-secret-${randomUUID()}` };
let openProxy: ConnectProxy;
let guardedProxy: ConnectProxy;

beforeAll(async () => {
  openProxy = await startConnectProxy();
  guardedProxy = await startConnectProxy({ basicAuth: credentials });
});
afterAll(async () => {
  await openProxy?.stop();
  await guardedProxy?.stop();
});

/** Runs one workflow on a worker whose connection goes through `proxy`. */
async function runThrough(
  proxy: NonNullable<Parameters<typeof NativeConnection.connect>[0]>['proxy'],
): Promise<string> {
  return runFeatureWorkflowOver(await NativeConnection.connect({ address: env.server.address, proxy }), env, 'proxied');
}

describe('HTTP CONNECT proxy', () => {
  test('a worker connects through the proxy and runs a workflow', async () => {
    expect(await runThrough({ type: 'http-connect', targetHost: openProxy.address })).toBe('PROXIED');
    expect(openProxy.requests.length).toBeGreaterThan(0);
    expect(openProxy.requests.every((request) => request.target === env.server.address && request.allowed)).toBe(true);
  });

  test('with basic auth: the right credentials get through (http:// form of the address too)', async () => {
    expect(
      await runThrough({ type: 'http-connect', targetHost: `http://${guardedProxy.address}`, basicAuth: credentials }),
    ).toBe('PROXIED');
    expect(guardedProxy.requests.some((request) => request.allowed)).toBe(true);
  });

  test('wrong credentials fail to connect, and the error does not echo them', async () => {
    const error = await failure(() =>
      NativeConnection.connect({
        address: env.server.address,
        proxy: {
          type: 'http-connect',
          targetHost: guardedProxy.address,
          basicAuth: { username: 'worker', password: 'wrong-password-canary' },
        },
        connectTimeoutMs: 5_000,
      }),
    );
    expect((error as NativeError).code).toBe('CONNECT_FAILED');
    expect(error.message).not.toContain('wrong-password-canary');
    expect(guardedProxy.requests.some((request) => !request.allowed)).toBe(true);
  });

  test('malformed proxy options are refused naming the field', async () => {
    const socks = await failure(() =>
      NativeConnection.connect({
        address: env.server.address,
        proxy: { type: 'socks5' as 'http-connect', targetHost: openProxy.address },
      }),
    );
    expect((socks as NativeError).code).toBe('INVALID_ARGUMENT');
    expect(socks.message).toContain('proxy.type must be "http-connect"');
    const noPort = await failure(() =>
      NativeConnection.connect({
        address: env.server.address,
        proxy: { type: 'http-connect', targetHost: 'proxy.internal' },
      }),
    );
    expect(noPort.message).toContain('proxy.targetHost must be host:port');
    const colon = await failure(() =>
      NativeConnection.connect({
        address: env.server.address,
        proxy: { type: 'http-connect', targetHost: openProxy.address, basicAuth: { username: 'a:b', password: 'c' } },
      }),
    );
    expect(colon.message).toContain(
      "proxy.basicAuth: the username must not be empty, and neither it nor the password may contain ':' or '@'",
    );
  });
});
