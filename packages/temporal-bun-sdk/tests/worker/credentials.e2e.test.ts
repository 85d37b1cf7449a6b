/**
 * Credentials: an API key turns TLS on for workers as it does for clients (how Temporal Cloud is
 * reached), is never sent over a plaintext connection, and never appears in an error or in any log
 * record (TRACE included: checked with a canary key in a process of its own, over a real TLS
 * connection to a dev server); `user:password` in an address is never echoed; the connect
 * timeout is the one asked for.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { spawn } from 'bun';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket, TCPSocketListener } from 'bun';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection } from '../../src/client';
import { NativeError } from '../../src/native';
import { createWorker, NativeConnection } from '../../src/worker';
import { failure } from '../helpers/failure';
import { runFeatureWorkflowOver } from '../helpers/feature-workflow';
import { useServerConnection } from '../helpers/server-connection';
import { startTlsProxy, type TlsProxy } from '../helpers/tls-proxy';

const env = useServerConnection();
const CANARY = `tbs-canary-${randomUUID()}`;
let proxy: TlsProxy;
let folder: string;

beforeAll(async () => {
  proxy = await startTlsProxy(env.server.address);
  folder = mkdtempSync(join(tmpdir(), 'tbs-credentials-'));
});
afterAll(async () => {
  await proxy?.stop();
  rmSync(folder, { recursive: true, force: true });
});

describe('API keys', () => {
  test('a worker connection with an API key and TLS settings connects and runs workflows over TLS', async () => {
    const connection = await NativeConnection.connect({
      address: proxy.address,
      apiKey: CANARY,
      tls: { serverRootCaCert: proxy.certificate, domain: 'localhost' },
    });
    expect(await runFeatureWorkflowOver(connection, env, 'over tls')).toBe('OVER TLS');
    expect(proxy.connections).toBeGreaterThan(0);
  });

  test('an API key without TLS settings turns TLS on (as for the client), not an https-without-TLS error', async () => {
    // The dev server speaks plaintext, so the TLS handshake fails: what matters is that TLS was tried.
    const error = await failure(() =>
      NativeConnection.connect({ address: env.server.address, apiKey: CANARY, connectTimeoutMs: 5_000 }),
    );
    expect(error).toBeInstanceOf(NativeError);
    expect((error as NativeError).code).toBe('CONNECT_FAILED');
    expect(error.message).not.toContain('HttpsUriWithoutTlsSupport');
    expect(error.message).toContain('https://');
    expect(error.message).not.toContain(CANARY);
  });

  test('an API key on a plaintext connection is refused before anything is sent: connect, createWorker, client, setApiKey', async () => {
    const refusals = [
      await failure(() => NativeConnection.connect({ address: env.server.address, apiKey: CANARY, tls: false })),
      await failure(() =>
        createWorker({
          connection: { address: `http://${env.server.address}`, apiKey: CANARY },
          taskQueue: 'q',
          activities: {},
        }),
      ),
      await failure(() =>
        Connection.connect({ address: env.server.address, apiKey: CANARY, tls: false, envConfig: false }),
      ),
      await failure(async () => {
        const plaintext = await Connection.connect({ address: env.server.address, envConfig: false });
        try {
          await plaintext.setApiKey(CANARY);
        } finally {
          await plaintext.close();
        }
      }),
    ];
    for (const error of refusals) {
      expect(error.message).toContain('would travel in clear over this plaintext connection');
      expect(error.message).not.toContain(CANARY);
    }
  });

  test('no log record at any level, TRACE included, and no error contains the key', async () => {
    const certificateFile = join(folder, 'cert.pem');
    writeFileSync(certificateFile, proxy.certificate);
    const child = spawn(
      [
        process.execPath,
        resolve(import.meta.dir, 'fixtures/api-key-canary.ts'),
        proxy.address,
        certificateFile,
        env.server.address,
        env.server.namespace,
        CANARY,
      ],
      { stdout: 'pipe', stderr: 'pipe', env: { ...process.env, TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' } },
    );
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    if (code !== 0) throw new Error(`the canary process exited ${code}:\n${stdout}\n${stderr}`);
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      result: string;
      records: number;
      leaks: string[];
      errors: string[];
    };
    expect(report.result).toBe('CANARY');
    expect(report.records).toBeGreaterThan(1_000); // TRACE really was on
    expect(report.leaks).toEqual([]);
    expect(report.errors).toHaveLength(5);
    for (const error of report.errors) {
      expect(error).not.toContain('no error');
      expect(error).not.toContain(CANARY);
    }
    expect(stderr).not.toContain(CANARY);
  }, 120_000);
});

describe('addresses and timeouts', () => {
  test('user:password in an address is never echoed, by the bridge or by the client', async () => {
    const address = 'http://alice:s3cret-password@127.0.0.1:1';
    const native = await failure(() => NativeConnection.connect({ address, connectTimeoutMs: 2_000 }));
    expect(native.message).toContain('127.0.0.1:1');
    expect(native.message).not.toContain('s3cret-password');
    expect(native.message).not.toContain('alice');
    const client = await failure(() => Connection.connect({ address, envConfig: false, connectTimeout: 2_000 }));
    expect(client.message).toContain('127.0.0.1:1');
    expect(client.message).not.toContain('s3cret-password');
    const malformed = await failure(() => NativeConnection.connect({ address: 'http://alice:s3cret-password@:7233' }));
    expect(malformed.message).not.toContain('s3cret-password');
  });

  test('a connect timeout that is not a positive integer of at most 2^31 − 1 ms is a TypeError naming it', async () => {
    for (const connectTimeoutMs of [0, -5, 2.5, 1e18, Number.NaN]) {
      const error = await failure(() => NativeConnection.connect({ address: env.server.address, connectTimeoutMs }));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toContain('connectTimeoutMs must be a positive integer of at most 2147483647 (ms)');
    }
  });

  test('the connect timeout is the one asked for, for a server that accepts and never answers', async () => {
    const silent: TCPSocketListener<undefined> = Bun.listen<undefined>({
      hostname: '127.0.0.1',
      port: 0,
      socket: { data: (_socket: Socket<undefined>) => undefined },
    });
    try {
      const error = await failure(() =>
        NativeConnection.connect({ address: `127.0.0.1:${silent.port}`, connectTimeoutMs: 700 }),
      );
      expect((error as NativeError).code).toBe('CONNECT_FAILED');
      expect(error.message).toContain('no answer within 700 ms');
    } finally {
      silent.stop(true);
    }
  });
});
