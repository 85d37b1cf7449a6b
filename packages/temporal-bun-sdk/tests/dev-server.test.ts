import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startDevServer, type DevServer } from './helpers/dev-server';

let server: DevServer;
beforeAll(async () => {
  server = await startDevServer();
});
afterAll(async () => {
  await server?.stop();
});

test('the dev server answers on its loopback address and stops by pid', async () => {
  expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
  const probe = Bun.spawnSync(['ps', '-p', String(server.pid), '-o', 'args=']);
  expect(probe.stdout.toString()).toContain('server start-dev');
  await server.stop();
  expect(Bun.spawnSync(['ps', '-p', String(server.pid)]).exitCode).not.toBe(0);
});
