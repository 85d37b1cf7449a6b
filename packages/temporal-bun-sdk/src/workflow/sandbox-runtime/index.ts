/**
 * The workflow sandbox's runtime: the first module of every workflow bundle, evaluated inside the
 * sandbox's realm before any other module. It takes the worker's capabilities (see
 * `host-capabilities.ts`) and hides them in closures, removes what would break determinism,
 * installs the globals workflow code may use (all made in this realm: `sealed-globals.ts`) and the
 * stack-trace machinery, and defines the one entry point the worker calls: `__temporal_dispatch()`,
 * which reads the request the worker left in `__temporal_call` (and clears it before anything else
 * runs), copies its arguments into this realm and answers with data the worker can read without
 * running sandbox code (`membrane.ts`).
 *
 * The bundle's entry then registers the worker interface with {@link installOwnContextRuntime} (a
 * context per run) or {@link installSharedLibrary} (one context for many runs: see
 * `shared-context.ts`).
 */
import type { RunConfiguration, SandboxActivator, WorkerInterface } from './run-driver';
import { ActivationDriver, configureRuns, failedCompletion, startRun } from './run-driver';
import { HOST_CAPABILITIES_GLOBAL, type SandboxHost, type SandboxHostCapabilities } from './host-capabilities';
import { exportToHost, importFromHost, MEMBRANE_COPIES } from './membrane';
import {
  MapPrototypeDelete,
  MapPrototypeGet,
  MapPrototypeSet,
  ObjectFreeze,
  ReflectDefineProperty,
  ReflectDeleteProperty,
  SandboxError,
  SandboxMap,
} from './primordials';
import { installSealedGlobals } from './sealed-globals';
import {
  type RunModulesFactory,
  type SharedContext,
  type SharedLibrary,
  type SharedRun,
  installSharedContext,
} from './shared-context';
import { installStackTraces } from './stack-traces';

type SandboxGlobal = typeof globalThis & Record<PropertyKey, unknown>;
const global = globalThis as SandboxGlobal;

/** A request the worker leaves in `__temporal_call` (host objects: read once, copied). */
interface HostRequest {
  name: string;
  run?: number;
  args?: unknown[];
  /** Only for `failWithUnhandledRejection`: a value of this realm that the worker received from it. */
  raw?: unknown;
}

const host = global[HOST_CAPABILITIES_GLOBAL] as SandboxHost | undefined;
ReflectDeleteProperty(global, HOST_CAPABILITIES_GLOBAL);
if (host === undefined) throw new SandboxError('the workflow sandbox runtime was evaluated without its host');

function currentActivator(): SandboxActivator | undefined {
  return global.__TEMPORAL_ACTIVATOR__ as SandboxActivator | undefined;
}

// ── The realm: nothing may reach real time or a fresh, unpatched realm ───────────────────────────

ReflectDeleteProperty(global, 'ShadowRealm');
const temporalApi = global.Temporal as { Now?: object } | undefined;
if (typeof temporalApi === 'object' && temporalApi !== null && typeof temporalApi.Now === 'object') {
  const nondeterministic = () => {
    throw new SandboxError(
      'Temporal.Now is not deterministic and cannot be used in workflow code: use Date.now() (the workflow clock) instead',
    );
  };
  const now: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(temporalApi.Now)) now[key] = nondeterministic;
  ReflectDefineProperty(temporalApi, 'Now', { value: ObjectFreeze(now), writable: false, configurable: false });
}

const { log, mapPosition, textEncode, newTextDecoder, newURL, newURLSearchParams, newAsyncLocalStorage } = host;
host.keepFromTopTier(MEMBRANE_COPIES);
installSealedGlobals(global, {
  // Silent while the run replays history (queries are live: they log).
  log(level: Parameters<SandboxHostCapabilities['log']>[0], message: string) {
    if (currentActivator()?.info?.unsafe?.isReplayingHistoryEvents) return;
    log(level, message);
  },
  mapPosition,
  textEncode,
  newTextDecoder,
  newURL,
  newURLSearchParams,
  newAsyncLocalStorage,
});
installStackTraces(global, host, () => currentActivator()?.promiseStackStore as never);

// ── The worker's entry point ──────────────────────────────────────────────────────────────────

ReflectDefineProperty(global, '__temporal_call', {
  value: undefined,
  writable: true,
  enumerable: false,
  configurable: false,
});

function takeRequest(): HostRequest {
  const request = global.__temporal_call as HostRequest | undefined;
  global.__temporal_call = undefined;
  if (request === undefined || request === null) throw new SandboxError('no request from the worker');
  const name = request.name;
  const run = request.run;
  const raw = request.raw;
  const args = importFromHost(request.args ?? []) as unknown[];
  return { name: String(name), run: typeof run === 'number' ? run : undefined, args, raw };
}

function defineDispatch(handle: (request: HostRequest) => unknown): void {
  ReflectDefineProperty(global, '__temporal_dispatch', {
    value: function __temporal_dispatch() {
      return handle(takeRequest());
    },
    writable: false,
    enumerable: false,
    configurable: false,
  });
}

/**
 * What a started run answers: `true`, or why it could not start (with a failed completion). The
 * worker builds the run's info itself, from the same activation (copying it out cost more than the
 * rest of starting a run).
 */
function started(api: WorkerInterface, runId: string, start: () => SandboxActivator): unknown {
  try {
    start();
    return true;
  } catch (error) {
    try {
      api.dispose();
    } catch {
      // initRuntime disposes what it made when it fails.
    }
    return exportToHost({ failure: error, completion: failedCompletion(runId, error, currentActivator()) });
  }
}

/**
 * Disposal hooks are workflow code too: what they throw is answered as data (the worker logs it),
 * never thrown at the worker, whose code must not run sandbox code (an error's getters) outside a call.
 */
function settled(action: () => void): unknown {
  try {
    action();
    return undefined;
  } catch (error) {
    return exportToHost({ failure: error });
  }
}

/** Requests that act on one run's driver. */
function driverStep(driver: ActivationDriver, request: HostRequest): unknown {
  const args = request.args!;
  switch (request.name) {
    case 'prepare':
      return driver.prepare(args[0] as never, args[1] as string[] | undefined);
    case 'activateBatch':
      return driver.activateBatch(args[0] as number);
    case 'settle': {
      const outcome = driver.settle(args[0] === true);
      return outcome === null || outcome === undefined ? outcome : exportToHost(outcome);
    }
    case 'failWithUnhandledRejection': {
      // The reason is this realm's (a rejected sandbox promise's); anything else is copied in.
      const reason =
        request.raw instanceof Object || typeof request.raw !== 'object' ? request.raw : importFromHost(request.raw);
      return exportToHost(driver.failWithUnhandledRejection(reason));
    }
    default:
      throw new SandboxError(`unknown workflow sandbox request ${request.name}`);
  }
}

/** A context of its own for one run: the whole bundle was evaluated in it. */
export function installOwnContextRuntime(api: WorkerInterface): void {
  let driver: ActivationDriver | undefined;
  defineDispatch((request) => {
    const args = request.args!;
    switch (request.name) {
      case 'configure':
        configureRuns(args[0] as RunConfiguration);
        return undefined;
      case 'startRun': {
        const activation = args[0] as { runId?: string };
        return started(api, activation.runId ?? '', () => {
          const activator = startRun(api, activation as never, args[1] as never, currentActivator);
          driver = new ActivationDriver(api, activator);
          return activator;
        });
      }
      case 'dispose':
        driver = undefined;
        return settled(() => api.dispose());
      case 'destroy':
        return settled(() => api.destroy());
      default:
        if (driver === undefined) throw new SandboxError('the workflow run was not started');
        return driverStep(driver, request);
    }
  });
}

/**
 * The library of a context shared by many runs. The worker then evaluates the run-module script
 * (which leaves its factory in `__temporal_run_modules`) and sends `setupSharedContext`.
 */
export function installSharedLibrary(library: SharedLibrary): void {
  let context: SharedContext | undefined;
  const runs = new SandboxMap<number, { shared: SharedRun; driver?: ActivationDriver }>();
  const runOf = (request: HostRequest) => {
    const run = MapPrototypeGet(runs as Map<unknown, unknown>, request.run) as
      | { shared: SharedRun; driver?: ActivationDriver }
      | undefined;
    if (run === undefined) throw new SandboxError(`workflow run ${request.run} is not in this context`);
    return run;
  };
  defineDispatch((request) => {
    const args = request.args!;
    if (request.name === 'setupSharedContext') {
      const factory = global.__temporal_run_modules as RunModulesFactory | undefined;
      ReflectDeleteProperty(global, '__temporal_run_modules');
      if (typeof factory !== 'function') throw new SandboxError('the run-module script did not register its factory');
      configureRuns(args[0] as RunConfiguration);
      context = installSharedContext(global, library, factory);
      return undefined;
    }
    if (context === undefined) throw new SandboxError('the shared workflow context was not set up');
    const api = context.api as unknown as WorkerInterface;
    switch (request.name) {
      case 'destroy':
        context.install(undefined);
        return settled(() => api.destroy());
      case 'startRun': {
        const shared: SharedRun = { released: false };
        const run: { shared: SharedRun; driver?: ActivationDriver } = { shared };
        MapPrototypeSet(runs as Map<unknown, unknown>, request.run, run);
        context.install(shared);
        const activation = args[0] as { runId?: string };
        const answer = started(api, activation.runId ?? '', () => {
          context!.startRun(shared);
          const activator = startRun(api, activation as never, args[1] as never, currentActivator);
          run.driver = new ActivationDriver(api, activator);
          return activator;
        });
        if (run.driver === undefined) {
          shared.released = true;
          MapPrototypeDelete(runs as Map<unknown, unknown>, request.run);
        }
        return answer;
      }
      case 'dispose': {
        const run = runOf(request);
        context.install(run.shared);
        try {
          return settled(() => api.dispose());
        } finally {
          run.shared.released = true;
          MapPrototypeDelete(runs as Map<unknown, unknown>, request.run);
        }
      }
      default: {
        const run = runOf(request);
        if (run.driver === undefined) throw new SandboxError(`workflow run ${request.run} was not started`);
        context.install(run.shared);
        return driverStep(run.driver, request);
      }
    }
  });
}
