/**
 * What every kind of plugin shares (`@temporalio/plugin`'s shapes): a name, and optional hooks
 * that each take the options being built and return them changed. The worker, the client, both
 * connections and the bundler check their plugins here before calling a hook, so a malformed
 * plugin fails with a TypeError that names it and the hook instead of a `x is not a function`
 * from deep inside.
 */

/** The part of every plugin: `SimplePlugin` and hand-written plugin objects both have it. */
export interface NamedPlugin {
  /** Identifies the plugin in errors and logs. Non-empty. */
  readonly name: string;
}

/**
 * The first problem of `plugins` as a list of plugins whose `hooks` (when present) are functions:
 * `{ option, problem }` with `option` naming the entry (`plugins[1].configureWorker`), or
 * `undefined` when there is none.
 */
export function findPluginProblem(
  plugins: unknown,
  hooks: readonly string[],
): { option: string; problem: string } | undefined {
  if (plugins === undefined) return undefined;
  if (!Array.isArray(plugins))
    return { option: 'plugins', problem: `must be an array of plugins, got ${describe(plugins)}` };
  for (const [index, plugin] of plugins.entries()) {
    const option = `plugins[${index}]`;
    if (plugin === null || typeof plugin !== 'object') {
      return { option, problem: `must be a plugin object ({ name, …hooks }), got ${describe(plugin)}` };
    }
    const name = (plugin as { name?: unknown }).name;
    if (typeof name !== 'string' || name.length === 0) {
      return {
        option: `${option}.name`,
        problem: `must be a non-empty string naming the plugin, got ${describe(name)}`,
      };
    }
    for (const hook of hooks) {
      const value = (plugin as Record<string, unknown>)[hook];
      if (value !== undefined && typeof value !== 'function') {
        return {
          option: `${option}.${hook}`,
          problem: `(of plugin ${JSON.stringify(name)}) must be a function, got ${describe(value)}`,
        };
      }
    }
  }
  return undefined;
}

/**
 * Throws a TypeError (`${owner}: option plugins[0].name …`) for the first problem of `plugins`;
 * see {@link findPluginProblem}.
 */
export function checkPlugins(plugins: unknown, hooks: readonly string[], owner: string): void {
  const found = findPluginProblem(plugins, hooks);
  if (found !== undefined) throw new TypeError(`${owner}: option ${found.option} ${found.problem}`);
}

/**
 * Runs each plugin's `hook` in list order, each on what the one before returned: the first plugin
 * sees the options as given. A hook that returns no object is an error naming it.
 */
export function applyConfigureHooks<Options extends object>(
  plugins: readonly object[],
  hook: string,
  options: Options,
  owner: string,
): Options {
  let current = options;
  for (const [index, plugin] of plugins.entries()) {
    const configure = (plugin as Record<string, unknown>)[hook] as ((options: Options) => Options) | undefined;
    if (configure === undefined) continue;
    current = checkHookResult(configure.call(plugin, current), plugin, index, hook, owner);
  }
  return current;
}

/** {@link applyConfigureHooks} for hooks that may return a promise (`configureWorker`, `configureReplayWorker`). */
export async function applyAsyncConfigureHooks<Options extends object>(
  plugins: readonly object[],
  hook: string,
  options: Options,
  owner: string,
): Promise<Options> {
  let current = options;
  for (const [index, plugin] of plugins.entries()) {
    const configure = (plugin as Record<string, unknown>)[hook] as
      | ((options: Options) => Options | Promise<Options>)
      | undefined;
    if (configure === undefined) continue;
    current = checkHookResult(await configure.call(plugin, current), plugin, index, hook, owner);
  }
  return current;
}

function checkHookResult<Options>(
  result: unknown,
  plugin: object,
  index: number,
  hook: string,
  owner: string,
): Options {
  if (result === null || typeof result !== 'object') {
    const name = JSON.stringify((plugin as NamedPlugin).name);
    throw new TypeError(
      `${owner}: plugins[${index}].${hook} (of plugin ${name}) returned ${describe(result)}: a hook returns the options, changed or not`,
    );
  }
  return result as Options;
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
