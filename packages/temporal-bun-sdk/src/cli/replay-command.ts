/**
 * `temporal-bun replay`: replays one recorded history (the JSON of `temporal workflow show
 * --output json`, or the protobuf bytes) against a workflows file, to check that changed code is
 * still compatible with runs already in flight.
 */
import { readFileSync } from 'node:fs';
import type { temporal } from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow/lib/errors';
import { ReplayError, runReplayHistory } from '../worker';
import { historyFromInput } from '../worker/replay';
import { CliUsageError, EXIT_CODES, oneLine } from './cli-errors';
import { CliLogger } from './cli-logger';
import { existingFile, logLevelFlag, nonEmptyFlag, parseFlags } from './flag-values';

export const REPLAY_USAGE = `Usage: temporal-bun replay --history <file> --workflows <file> [--workflow-id <id>]

Replays a recorded workflow history against a workflows file and reports whether the code is
still compatible with it (deterministic). Exit code 0 when it is, 1 when it is not.

  --history <file>       The history: JSON from \`temporal workflow show --workflow-id <id> --output json\`,
                         or a binary temporal.api.history.v1.History
  --workflows <file>     Workflows file (.ts or .js) to replay against
  --workflow-id <id>     Workflow id the replayed run sees (histories do not record it; default "replay-1")
  --log-level <level>    Print the replay's logs at this level on stderr (default: none)
  -h, --help             Show this help

Example:
  temporal workflow show --workflow-id order-42 --output json > order-42.json
  temporal-bun replay --history order-42.json --workflows ./src/workflows.ts
`;

const REPLAY_FLAGS = {
  history: { type: 'string' },
  workflows: { type: 'string' },
  'workflow-id': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function readHistory(path: string, given: string): temporal.api.history.v1.IHistory {
  const bytes = readFileSync(path);
  // JSON starts with `{` (after whitespace); anything else is taken as the protobuf encoding.
  const text = bytes.toString('utf8');
  try {
    return historyFromInput(/^\s*\{/.test(text) ? text : new Uint8Array(bytes));
  } catch (error) {
    throw new CliUsageError(
      `--history: ${given} is not a workflow history: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export async function runReplayCommand(argv: string[]): Promise<number> {
  const values = parseFlags(argv, REPLAY_FLAGS);
  if (values.help) {
    process.stdout.write(REPLAY_USAGE);
    return EXIT_CODES.ok;
  }
  if (values.history === undefined) throw new CliUsageError('replay: --history <file> is required');
  if (values.workflows === undefined) throw new CliUsageError('replay: --workflows <file> is required');
  const historyPath = existingFile(values.history, 'history')!;
  const workflowsPath = existingFile(values.workflows, 'workflows')!;
  const workflowId = nonEmptyFlag(values['workflow-id'], 'workflow-id');
  const logger =
    values['log-level'] === undefined ? undefined : new CliLogger(logLevelFlag(values['log-level'], 'INFO'));

  const history = readHistory(historyPath, values.history);
  const eventCount = history.events?.length ?? 0;
  const workflowType =
    history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'an unknown workflow type';

  try {
    await runReplayHistory({ workflowsPath, logger }, history, workflowId);
  } catch (error) {
    if (error instanceof DeterminismViolationError) {
      // Where it diverged is in core's words on the next line: this SDK reads no meaning out of them.
      process.stdout.write(
        `NON-DETERMINISTIC: ${workflowType} in ${values.workflows} diverges from the history\n` +
          `  ${oneLine(error.message)}\n`,
      );
      return EXIT_CODES.failure;
    }
    if (error instanceof ReplayError) {
      process.stdout.write(`FAILED: replaying ${eventCount} events of ${workflowType}: ${oneLine(error.message)}\n`);
      return EXIT_CODES.failure;
    }
    throw error;
  }
  process.stdout.write(`OK: replayed ${eventCount} events of ${workflowType}\n`);
  return EXIT_CODES.ok;
}
