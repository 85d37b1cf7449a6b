#!/usr/bin/env bun
/**
 * `temporal-bun`: development tools that go with the SDK.
 *
 *   temporal-bun init <dir>                                    write a ready worker project
 *   temporal-bun bundle <workflows> -o <file>                  bundle workflows ahead of time
 *   temporal-bun replay --history <file> --workflows <file>   check workflow code against a history
 *   temporal-bun dev-server [--port] [--ui-port | --headless]  run a local Temporal dev server
 */
import { BUNDLE_USAGE, runBundleCommand } from './bundle-command';
import { CliUsageError, EXIT_CODES, exitWithError } from './cli-errors';
import { INIT_USAGE, runInitCommand } from './init-command';
import { DEV_SERVER_USAGE, runDevServerCommand } from './dev-server-command';
import { REPLAY_USAGE, runReplayCommand } from './replay-command';
import { packageVersion } from './version';

const PROGRAM = 'temporal-bun';

export const TEMPORAL_BUN_USAGE = `Usage: ${PROGRAM} <command> [options]

Commands:
  init         Write a ready project: workflows, activities, worker, client, a test
  bundle       Bundle workflows ahead of time (workflowBundle, single-file workers)
  replay       Replay a recorded workflow history against a workflows file (determinism check)
  dev-server   Run a local Temporal dev server until Ctrl+C

Run \`${PROGRAM} <command> --help\` for a command's options; \`${PROGRAM} --version\` for the version.
The worker itself is \`temporal-bun-worker\`.
`;

const COMMANDS: Record<string, { run(argv: string[]): Promise<number>; usage: string }> = {
  init: { run: runInitCommand, usage: INIT_USAGE },
  bundle: { run: runBundleCommand, usage: BUNDLE_USAGE },
  replay: { run: runReplayCommand, usage: REPLAY_USAGE },
  'dev-server': { run: runDevServerCommand, usage: DEV_SERVER_USAGE },
};

export async function runTemporalBunCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' && rest[0] !== undefined ? COMMANDS[rest[0]] : undefined;
    if (name === undefined) {
      process.stderr.write(TEMPORAL_BUN_USAGE);
      return EXIT_CODES.usage;
    }
    process.stdout.write(topic?.usage ?? TEMPORAL_BUN_USAGE);
    return EXIT_CODES.ok;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${PROGRAM} (${packageVersion()})\n`);
    return EXIT_CODES.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    throw new CliUsageError(
      `unknown command ${JSON.stringify(name)}: expected one of ${Object.keys(COMMANDS).join(', ')}`,
    );
  }
  return command.run(rest);
}

if (import.meta.main) {
  runTemporalBunCli(process.argv.slice(2)).then(
    (exitCode) => process.exit(exitCode),
    (error: unknown) => exitWithError(PROGRAM, error),
  );
}
