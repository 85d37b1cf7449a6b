/**
 * A real HTTP CONNECT proxy on a free loopback port, for tests: it reads the `CONNECT host:port`
 * request, checks `Proxy-Authorization` when credentials are set (407 otherwise), opens the
 * tunnel and pipes both ways. It records what each tunnel asked for.
 */
import { connect as connectTcp, createServer, type Socket } from 'node:net';

export interface ConnectProxy {
  /** `127.0.0.1:<port>` */
  readonly address: string;
  /** Each CONNECT request: its target and whether it was let through. */
  readonly requests: { target: string; allowed: boolean }[];
  stop(): Promise<void>;
}

export async function startConnectProxy(
  options: { basicAuth?: { username: string; password: string } } = {},
): Promise<ConnectProxy> {
  const expected =
    options.basicAuth === undefined
      ? undefined
      : `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString('base64')}`;
  const requests: { target: string; allowed: boolean }[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      client.off('data', onData);
      const [requestLine = '', ...headerLines] = head.subarray(0, end).toString('latin1').split('\r\n');
      const rest = head.subarray(end + 4);
      const [method, target = ''] = requestLine.split(' ');
      const authorization = headerLines
        .find((line) => line.toLowerCase().startsWith('proxy-authorization:'))
        ?.slice('proxy-authorization:'.length)
        .trim();
      const allowed = method === 'CONNECT' && (expected === undefined || authorization === expected);
      requests.push({ target, allowed });
      if (!allowed) {
        client.end(
          method === 'CONNECT'
            ? 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n'
            : 'HTTP/1.1 405 Method Not Allowed\r\n\r\n',
        );
        return;
      }
      const separator = target.lastIndexOf(':');
      const upstream = connectTcp(
        Number(target.slice(separator + 1)),
        target.slice(0, separator).replace(/^\[|\]$/g, ''),
        () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (rest.length > 0) upstream.write(rest);
          client.pipe(upstream).pipe(client);
        },
      );
      sockets.add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      upstream.on('error', close).on('close', close);
      client.on('error', close).on('close', close);
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    address: `127.0.0.1:${address.port}`,
    requests,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
