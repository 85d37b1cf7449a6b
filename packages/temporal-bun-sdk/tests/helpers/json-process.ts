/**
 * Runs a Bun process for a test that needs a process of its own (the runtime, its metrics
 * exporter and its log filter are process-wide) and reads the one JSON line it ends its output
 * with. A non-zero exit fails the test with the process's stderr.
 */
export async function runBunForJson<T>(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<T> {
  const child = Bun.spawn([process.execPath, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (exitCode !== 0) throw new Error(`bun ${args.join(' ')} exited with ${exitCode}: ${stderr}`);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T;
}
