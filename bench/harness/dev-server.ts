/**
 * The one dev server of a benchmark invocation: `temporal server start-dev` from the repository's
 * CLI, in memory, headless, on a free loopback port, stopped by PID (SIGTERM, then SIGKILL).
 *
 * Started directly rather than with the package's `startDevServer` for one reason: task queues get
 * a single partition (`matching.numTaskqueue{Read,Write}Partitions=1`; the server's default is 4).
 * With one partition every poll lands where DescribeTaskQueue looks, which is what makes scenario
 * C's server-side first-poll detection exact; both workers see the same server.
 */
import { Connection } from 'temporal-bun-sdk/client';
import { findFreePort, findTemporalCli } from 'temporal-bun-sdk/dev-server';

export interface BenchServer {
  address: string;
  namespace: string;
  pid: number;
  /** The CLI's `--version` line (CLI, server and UI versions). */
  version: string;
  stop(): Promise<void>;
}

const IP = '127.0.0.1';
const NAMESPACE = 'default';

export async function startBenchServer(options: { startTimeoutMs?: number } = {}): Promise<BenchServer> {
  const cli = findTemporalCli();
  const version = Bun.spawnSync([cli, '--version'], { stdout: 'pipe', stderr: 'ignore' }).stdout.toString().trim();
  const port = await findFreePort(IP);
  // The user's TEMPORAL_* settings are for their own service, not for this server.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_')));
  const child = Bun.spawn(
    [
      cli,
      'server',
      'start-dev',
      '--ip',
      IP,
      '--port',
      String(port),
      '--headless',
      '--log-level',
      'error',
      '--dynamic-config-value',
      'matching.numTaskqueueReadPartitions=1',
      '--dynamic-config-value',
      'matching.numTaskqueueWritePartitions=1',
    ],
    { env, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  let stderr = '';
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) stderr = (stderr + decoder.decode(chunk, { stream: true })).slice(-4000);
  })();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await child.exited;
        clearTimeout(timer);
      }
      process.off('exit', killOnExit);
    })());

  const address = `${IP}:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(
        `temporal server start-dev exited (${child.exitCode ?? child.signalCode}) before answering\n${stderr}`,
      );
    }
    try {
      const connection = await Connection.connect({
        address,
        namespace: NAMESPACE,
        envConfig: false,
        connectTimeout: 1_000,
      });
      try {
        await connection.workflowService.describeNamespace({ namespace: NAMESPACE }, { retry: false });
        return { address, namespace: NAMESPACE, pid: child.pid, version, stop };
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`temporal server start-dev on ${address} did not answer in time: ${String(error)}\n${stderr}`);
      }
      await Bun.sleep(200);
    }
  }
}
