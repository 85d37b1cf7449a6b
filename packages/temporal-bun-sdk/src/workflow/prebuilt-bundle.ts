/**
 * Prebuilt workflow bundles: the workflows bundled ahead of time (`temporal-bun bundle`), so that a
 * worker starts without `Bun.build` and without the workflows' `node_modules`, and a single-file
 * worker (`bun build --compile`) can carry its workflows as text.
 *
 * A prebuilt bundle is one text file that holds what each sandbox mode evaluates: the whole bundle
 * (a context per run) and its split (a context shared by runs), with their source maps, the
 * version of this SDK that made it and the `@temporalio/workflow` version bundled into it.
 *
 * The scripts' code and source maps are stored in base64: the file is then ASCII, which Bun reads
 * and `JSON.parse` scans several times faster than the same megabytes with escapes and non-ASCII
 * text, and each script is decoded when first read, so the layout a worker does not use and the
 * source maps of a start-up that maps no stack are never decoded.
 *
 * `createWorker({ workflowBundle })` takes the official SDK's shapes: `{ code }` (the file's text)
 * or `{ codePath }` (the file), and also a {@link WorkflowBundle} made by `bundleWorkflowCode`.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defineLazyProperty } from '../common/lazy-property';
import { SDK_VERSION, checkPeerPackageVersions } from '../common/package-info';
import {
  WorkflowBundleError,
  bundleSharedContextWorkflowCode,
  bundleWorkflowCode,
  type ReusableWorkflowBundle,
  type WorkflowBundle,
  type WorkflowBundleOptions,
  type WorkflowScript,
} from './bundler';
import { errorMessage } from '../common/error-message';

/** The official SDK's `workflowBundle` shapes, plus the result of {@link bundleWorkflowCode}. */
export type WorkflowBundleOption = { code: string } | { codePath: string } | WorkflowBundle;

/** A workflow bundle ready for the isolate manager: the whole bundle, and its split when there is one. */
export interface LoadedWorkflowBundle {
  /** The whole bundle (a context per run); absent when only the shared-context split was made. */
  bundle?: WorkflowBundle;
  /** Present for a prebuilt bundle; a {@link WorkflowBundle} with `sources` is split when needed. */
  reusable?: ReusableWorkflowBundle;
  /** The `@temporalio/workflow` version bundled into it. */
  workflowPackageVersion: string;
}

/** Bumped whenever the file's layout, or what the sandbox expects of the bundled code, changes. */
const PREBUILT_BUNDLE_FORMAT = 3;
const HEADER =
  '/*! temporal-bun-sdk workflow bundle: made by `temporal-bun bundle`; pass its text to createWorker({ workflowBundle: { code } }) */';
const BODY_PREFIX = 'export default ';
const WORKFLOW_PACKAGE = '@temporalio/workflow';

interface PrebuiltBundleFile {
  format: number;
  sdkVersion: string;
  workflowPackageVersion: string;
  contextPerRun: StoredScript;
  sharedContext: Omit<ReusableWorkflowBundle, 'library' | 'runModules'> & {
    library: StoredScript;
    runModules: StoredScript;
  };
}

/** A {@link WorkflowScript} as the file holds it: `code` and `sourceMap` in base64 (UTF-8). */
interface StoredScript {
  code: string;
  sourceMap: string;
  filename: string;
}

function storeScript(script: WorkflowScript): StoredScript {
  return {
    code: Buffer.from(script.code, 'utf8').toString('base64'),
    sourceMap: Buffer.from(script.sourceMap, 'utf8').toString('base64'),
    filename: script.filename,
  };
}

/** A stored script whose code and source map are decoded on first read. */
function loadScript(stored: StoredScript): WorkflowScript {
  const decode = (base64: string) => () => Buffer.from(base64, 'base64').toString('utf8');
  const script = defineLazyProperty({ filename: stored.filename }, 'code', decode(stored.code));
  return defineLazyProperty(script, 'sourceMap', decode(stored.sourceMap));
}

/**
 * Bundles the workflows for both sandbox modes and returns the prebuilt bundle's text.
 *
 * @example
 * await Bun.write('workflow-bundle.js', await buildPrebuiltWorkflowBundle({ workflowsPath: './src/workflows.ts' }));
 */
export async function buildPrebuiltWorkflowBundle(options: WorkflowBundleOptions): Promise<string> {
  const [bundle, sharedContext] = await Promise.all([
    bundleWorkflowCode(options),
    bundleSharedContextWorkflowCode({ ...options, logger: undefined }), // the same warnings, once is enough
  ]);
  const file: PrebuiltBundleFile = {
    format: PREBUILT_BUNDLE_FORMAT,
    sdkVersion: SDK_VERSION,
    workflowPackageVersion: bundledWorkflowPackageVersion(bundle),
    contextPerRun: storeScript(bundle),
    sharedContext: {
      ...sharedContext,
      library: storeScript(sharedContext.library),
      runModules: storeScript(sharedContext.runModules),
    },
  };
  return `${HEADER}\n${BODY_PREFIX}${JSON.stringify(file)};\n`;
}

/**
 * Turns a `workflowBundle` option into what the isolate manager runs, refusing (with a
 * {@link WorkflowBundleError}) text that is not a prebuilt bundle of this SDK version, and
 * (with a `PeerPackageVersionError`) workflow code bundled with an unsupported `@temporalio/workflow`.
 */
export function loadWorkflowBundle(option: WorkflowBundleOption): LoadedWorkflowBundle {
  if (isWorkflowBundle(option)) {
    const workflowPackageVersion = bundledWorkflowPackageVersion(option);
    checkPeerPackageVersions({ [WORKFLOW_PACKAGE]: workflowPackageVersion }, `the workflow bundle ${option.filename}`);
    return { bundle: option, workflowPackageVersion };
  }
  if ('codePath' in option) return parsePrebuiltWorkflowBundle(readBundleFile(option.codePath), option.codePath);
  return parsePrebuiltWorkflowBundle(option.code, 'workflowBundle.code');
}

/** A bundle made in this process by `bundleWorkflowCode` (it has a file name and a source map). */
function isWorkflowBundle(option: WorkflowBundleOption): option is WorkflowBundle {
  return (
    'code' in option &&
    typeof (option as Partial<WorkflowBundle>).filename === 'string' &&
    typeof (option as Partial<WorkflowBundle>).sourceMap === 'string'
  );
}

function readBundleFile(codePath: string): string {
  try {
    if (!statSync(codePath).isFile()) throw new Error('not a file');
    return readFileSync(codePath, 'utf8');
  } catch (cause) {
    throw new WorkflowBundleError(
      `workflowBundle.codePath ${JSON.stringify(codePath)} is not a readable file: ${errorMessage(cause)}`,
      [],
      { cause },
    );
  }
}

/** Parses a prebuilt bundle's text; `origin` names it in errors. */
export function parsePrebuiltWorkflowBundle(code: string, origin: string): LoadedWorkflowBundle {
  if (typeof code !== 'string' || !code.startsWith(`${HEADER}\n${BODY_PREFIX}`)) {
    throw new WorkflowBundleError(
      `${origin} is not a temporal-bun-sdk workflow bundle. Make one with \`temporal-bun bundle <workflows file> -o workflow-bundle.js\` ` +
        '(a bundle made by @temporalio/worker cannot run here), or pass workflowsPath instead.',
    );
  }
  let file: PrebuiltBundleFile;
  try {
    const body = code.slice(HEADER.length + 1 + BODY_PREFIX.length).trimEnd();
    file = JSON.parse(body.endsWith(';') ? body.slice(0, -1) : body) as PrebuiltBundleFile;
  } catch (cause) {
    throw new WorkflowBundleError(
      `${origin} is a damaged temporal-bun-sdk workflow bundle (${errorMessage(cause)}): make it again with \`temporal-bun bundle\``,
      [],
      { cause },
    );
  }
  if (file.format !== PREBUILT_BUNDLE_FORMAT || file.sdkVersion !== SDK_VERSION) {
    throw new WorkflowBundleError(
      `${origin} was made by temporal-bun-sdk ${String(file.sdkVersion)} (bundle format ${String(file.format)}); ` +
        `this is ${SDK_VERSION} (format ${PREBUILT_BUNDLE_FORMAT}). Make it again with this version's \`temporal-bun bundle\`.`,
    );
  }
  for (const [part, script] of [
    ['contextPerRun', file.contextPerRun],
    ['sharedContext.library', file.sharedContext?.library],
    ['sharedContext.runModules', file.sharedContext?.runModules],
  ] as const) {
    if (!isScript(script))
      throw new WorkflowBundleError(
        `${origin} is a damaged temporal-bun-sdk workflow bundle: ${part} is missing or malformed`,
      );
  }
  checkPeerPackageVersions({ [WORKFLOW_PACKAGE]: file.workflowPackageVersion }, origin);
  return {
    bundle: loadScript(file.contextPerRun),
    reusable: {
      ...file.sharedContext,
      library: loadScript(file.sharedContext.library),
      runModules: loadScript(file.sharedContext.runModules),
    },
    workflowPackageVersion: file.workflowPackageVersion,
  };
}

function isScript(value: unknown): value is StoredScript {
  const script = value as Partial<StoredScript> | undefined;
  return (
    typeof script === 'object' &&
    script !== null &&
    typeof script.code === 'string' &&
    typeof script.sourceMap === 'string' &&
    typeof script.filename === 'string'
  );
}

/**
 * The version of the `@temporalio/workflow` whose worker interface the bundle contains
 * (`…/@temporalio/workflow/lib/worker-interface.js` → its `package.json`).
 */
function bundledWorkflowPackageVersion(bundle: WorkflowBundle): string {
  const workerInterfacePath = bundle.sources?.workerInterfacePath;
  if (workerInterfacePath === undefined) {
    throw new WorkflowBundleError(
      `the workflow bundle ${bundle.filename} records no sources: make it with bundleWorkflowCode`,
    );
  }
  return workflowPackageVersionAt(workerInterfacePath);
}

/**
 * A shared-context bundle made in this process (`bundleSharedContextWorkflowCode`), checked like
 * any other: its `@temporalio/workflow` must be a supported version.
 */
export function loadSharedContextBundle(reusable: ReusableWorkflowBundle): LoadedWorkflowBundle {
  if (reusable.workerInterfacePath === undefined) {
    throw new WorkflowBundleError(`the workflow bundle ${reusable.library.filename} records no worker interface`);
  }
  const workflowPackageVersion = workflowPackageVersionAt(reusable.workerInterfacePath);
  checkPeerPackageVersions(
    { [WORKFLOW_PACKAGE]: workflowPackageVersion },
    `the workflow bundle ${reusable.library.filename}`,
  );
  return { reusable, workflowPackageVersion };
}

function workflowPackageVersionAt(workerInterfacePath: string): string {
  const manifestPath = join(dirname(dirname(workerInterfacePath)), 'package.json');
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name?: string; version?: string };
    if (manifest.name !== WORKFLOW_PACKAGE || typeof manifest.version !== 'string')
      throw new Error(`${manifestPath} is not ${WORKFLOW_PACKAGE}'s`);
    return manifest.version;
  } catch (cause) {
    throw new WorkflowBundleError(
      `cannot tell which ${WORKFLOW_PACKAGE} the workflow bundle contains: ${errorMessage(cause)}`,
      [],
      { cause },
    );
  }
}
