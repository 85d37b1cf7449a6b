/**
 * A TLS front for a plaintext dev server, for tests of what only happens over TLS (API keys):
 * a test CA and a server certificate for `localhost` / 127.0.0.1 made with `openssl`, and a `node:tls`
 * server on a free loopback port that pipes each connection to the dev server.
 */
import { spawnSync } from 'bun';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';

export interface TlsProxy {
  /** `127.0.0.1:<port>`, TLS. */
  readonly address: string;
  /** The CA certificate (PEM) to trust: `tls: { serverRootCaCert, domain: 'localhost' }`. */
  readonly certificate: string;
  /** Connections accepted so far. */
  readonly connections: number;
  stop(): Promise<void>;
}

export async function startTlsProxy(target: string): Promise<TlsProxy> {
  const folder = mkdtempSync(join(tmpdir(), 'tbs-tls-proxy-'));
  const file = (name: string) => join(folder, name);
  writeFileSync(
    file('server.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
  );
  // A certificate authority of the test's own, and a server certificate it signs (TLS clients
  // refuse a CA certificate used as the server's own).
  for (const command of [
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
      '-subj',
      '/CN=temporal-bun-sdk test CA',
    ],
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
      '-subj',
      '/CN=localhost',
    ],
    [
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      file('server.pem'),
      '-extfile',
      file('server.ext'),
    ],
  ]) {
    const made = spawnSync(['openssl', ...command]);
    if (made.exitCode !== 0) throw new Error(`openssl ${command[0]} failed: ${made.stderr.toString()}`);
  }
  const certificate = readFileSync(file('ca.pem'), 'utf8');
  const serverCertificate = readFileSync(file('server.pem'), 'utf8');
  const key = readFileSync(file('server.key'), 'utf8');
  rmSync(folder, { recursive: true, force: true });

  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sockets = new Set<TLSSocket | Socket>();
  let connections = 0;
  const server = createServer({ key, cert: serverCertificate, ALPNProtocols: ['h2'] }, (client) => {
    connections++;
    const upstream = connectTcp(port, host);
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the TLS proxy has no port');
  return {
    address: `127.0.0.1:${address.port}`,
    certificate,
    get connections() {
      return connections;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
