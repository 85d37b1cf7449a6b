/**
 * The one dev server of a benchmark invocation: the package's `startDevServer` (in memory,
 * headless, on a free loopback port, stopped by PID, started again on other ports when one is taken
 * before the server binds it), with one setting of its own: task queues get a single partition
 * (`matching.numTaskqueue{Read,Write}Partitions=1`; the server's default is 4). With one partition
 * every poll lands where DescribeTaskQueue looks, which is what makes scenario C's server-side
 * first-poll detection exact; every worker sees the same server.
 */
import { findTemporalCli, startDevServer } from 'temporal-bun-sdk/dev-server';

export interface BenchServer {
  address: string;
  namespace: string;
  pid: number;
  /** The CLI's `--version` line (CLI, server and UI versions). */
  version: string;
  stop(): Promise<void>;
}

export async function startBenchServer(options: { startTimeoutMs?: number } = {}): Promise<BenchServer> {
  const cli = findTemporalCli();
  const version = Bun.spawnSync([cli, '--version'], { stdout: 'pipe', stderr: 'ignore' }).stdout.toString().trim();
  const server = await startDevServer({
    cliPath: cli,
    headless: true,
    logLevel: 'error',
    startTimeoutMs: options.startTimeoutMs,
    extraArgs: [
      '--dynamic-config-value',
      'matching.numTaskqueueReadPartitions=1',
      '--dynamic-config-value',
      'matching.numTaskqueueWritePartitions=1',
    ],
  });
  return {
    address: server.address,
    namespace: server.namespace,
    pid: server.pid,
    version,
    stop: () => server.stop(),
  };
}
