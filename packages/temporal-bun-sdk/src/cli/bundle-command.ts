/**
 * `temporal-bun bundle`: bundles a workflows file ahead of time into one file that
 * `createWorker({ workflowBundle })` runs without bundling, and that a single-file worker
 * (`bun build --compile`) embeds as text.
 */
import { dirname, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { buildPrebuiltWorkflowBundle } from '../workflow/prebuilt-bundle';
import { CliUsageError, EXIT_CODES } from './cli-errors';
import { CliLogger } from './cli-logger';
import { existingFile, logLevelFlag, parseFlagsAndOperands } from './flag-values';

export const BUNDLE_USAGE = `Usage: temporal-bun bundle <workflows file> -o <output file> [options]

Bundles the workflows (with @temporalio/workflow and everything they import) into one file that a
worker runs without bundling: createWorker({ workflowBundle: { codePath } }), or its text embedded
in a single-file worker with \`import code from './workflow-bundle.js' with { type: 'text' }\` and
createWorker({ workflowBundle: { code } }). The file works with either sandbox mode.

  -o, --output <file>               Where to write the bundle (required)
  --workflow-interceptors <module>  A module exporting interceptors() for workflows; repeatable
  --payload-converter <module>      A module exporting payloadConverter, used inside the sandbox
  --failure-converter <module>      A module exporting failureConverter, used inside the sandbox
  --ignore-module <name>            A module to replace by a stub without a warning; repeatable
  --log-level <level>               Log level of the bundler's messages on stderr (default warn)
  -h, --help                        Show this help

Example:
  temporal-bun bundle src/workflows.ts -o workflow-bundle.js
`;

const BUNDLE_FLAGS = {
  output: { type: 'string', short: 'o' },
  'workflow-interceptors': { type: 'string', multiple: true },
  'payload-converter': { type: 'string' },
  'failure-converter': { type: 'string' },
  'ignore-module': { type: 'string', multiple: true },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runBundleCommand(argv: string[]): Promise<number> {
  const { values, operands } = parseFlagsAndOperands(argv, BUNDLE_FLAGS);
  if (values.help) {
    process.stdout.write(BUNDLE_USAGE);
    return EXIT_CODES.ok;
  }
  if (operands.length !== 1) {
    throw new CliUsageError(
      `bundle: expected one workflows file, got ${operands.length === 0 ? 'none' : operands.map((operand) => JSON.stringify(operand)).join(', ')}`,
    );
  }
  const workflowsPath = existingFile(operands[0], 'workflows file')!;
  if (values.output === undefined || values.output.trim() === '')
    throw new CliUsageError('bundle: -o <output file> is required');
  const output = resolve(values.output);
  const logger = new CliLogger(logLevelFlag(values['log-level'], 'WARN'));

  const text = await buildPrebuiltWorkflowBundle({
    workflowsPath,
    workflowInterceptorModules: values['workflow-interceptors'] ?? [],
    ...(values['payload-converter'] === undefined
      ? {}
      : { payloadConverterPath: existingFile(values['payload-converter'], 'payload-converter')! }),
    ...(values['failure-converter'] === undefined
      ? {}
      : { failureConverterPath: existingFile(values['failure-converter'], 'failure-converter')! }),
    ignoreModules: values['ignore-module'] ?? [],
    logger,
  });
  mkdirSync(dirname(output), { recursive: true });
  await Bun.write(output, text);
  process.stdout.write(`wrote ${values.output} (${Math.round(text.length / 1024)} KiB) from ${operands[0]}\n`);
  return EXIT_CODES.ok;
}
