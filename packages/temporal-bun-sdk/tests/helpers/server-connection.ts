/**
 * One dev server and one worker connection per test file, started before the file's tests and
 * stopped after them.
 *
 * @example
 * const env = useServerConnection();
 * test('…', async () => { await createWorker({ connection: env.connection, … }); });
 */
import { afterAll, beforeAll } from 'bun:test';
import { NativeConnection } from '../../src/worker';
import { startDevServer, type DevServer } from './dev-server';
import { TestClient } from './test-client';

export interface ServerConnection {
  readonly server: DevServer;
  readonly connection: NativeConnection;
  /** A client with the default data converter. */
  readonly client: TestClient;
}

export function useServerConnection(): ServerConnection {
  let server: DevServer | undefined;
  let connection: NativeConnection | undefined;
  let client: TestClient | undefined;
  beforeAll(async () => {
    server = await startDevServer();
    connection = await NativeConnection.connect({ address: server.address });
    client = new TestClient(connection.client, server.namespace);
  });
  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not ready: use it inside a test`);
    return value;
  };
  return {
    get server() {
      return ready(server, 'the dev server');
    },
    get connection() {
      return ready(connection, 'the connection');
    },
    get client() {
      return ready(client, 'the test client');
    },
  };
}
