/**
 * The run-module script of a shared context: `Bun.build`'s CommonJS output of the workflows (and
 * interceptors), wrapped so that evaluating it registers `globalThis.__temporal_run_modules`, the
 * factory each run calls to instantiate its own modules (`shared-context.ts`).
 *
 * A run's modules stay in memory while the run is cached, so what the factory makes per call is
 * what every cached workflow costs. Bun's output starts with its runtime helpers (`__export`,
 * `__toCommonJS`, `__esm`, …), which hold no state of a module: they are defined once, outside the
 * factory, instead of once per run. Two of them are replaced by versions that allocate less per
 * export, with the semantics the modules need:
 * - `__export` defines a namespace's live getters without Bun's setters: one bound function fewer
 *   per export. Bun's setter stores the value in its table of getters, which the property no longer
 *   reads, so an assignment to a namespace changed nothing visible; now it is ignored (it throws in
 *   strict code), as an assignment to an ECMAScript namespace is.
 * - `__toCommonJS` (what `require()` of an ES module returns) reuses the namespace's getter of
 *   each export instead of binding a new one: those getters (`() => binding`) ignore `this`.
 * Both are replaced only where Bun's definition is the one written below (Bun 1.4's), and the
 * helpers are moved out only when every definition above the first module is a helper known to
 * keep no state of its own. Any other output is wrapped as it is, and runs the same, at Bun's cost.
 */

/** What the run's modules get from the shared context: `module`, `exports` and its `require`. */
const FACTORY_HEAD = 'function temporalRunModules(module, exports, require) {';

/**
 * Bun's runtime helpers that keep no state of a module (caches are `WeakMap`s keyed by module
 * objects) and do not use the factory's `require`, `module` or `exports`.
 */
const SHAREABLE_HELPERS = new Set([
  '__create',
  '__getProtoOf',
  '__defProp',
  '__getOwnPropNames',
  '__getOwnPropDesc',
  '__hasOwnProp',
  '__accessProp',
  '__toESMCache_node',
  '__toESMCache_esm',
  '__toESM',
  '__toCommonJS',
  '__moduleCache',
  '__commonJS',
  '__returnValue',
  '__exportSetter',
  '__export',
  '__esm',
  '__reExport',
  '__name',
]);

/**
 * Bun 1.4's definitions of the two helpers replaced, each with the part that changes and what it
 * becomes. A definition that is not exactly this text is left as it is.
 */
const REPLACED_HELPERS = [
  {
    bun: `var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, {
      get: all[name],
      enumerable: true,
      configurable: true,
      set: __exportSetter.bind(all, name)
    });
};`,
    part: ',\n      set: __exportSetter.bind(all, name)',
    shared: '',
  },
  {
    bun: `var __toCommonJS = (from) => {
  var entry = (__moduleCache ??= new WeakMap).get(from), desc;
  if (entry)
    return entry;
  entry = __defProp({}, "__esModule", { value: true });
  if (from && typeof from === "object" || typeof from === "function") {
    for (var key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(entry, key))
        __defProp(entry, key, {
          get: __accessProp.bind(from, key),
          enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable
        });
  }
  __moduleCache.set(from, entry);
  return entry;
};`,
    part: `get: __accessProp.bind(from, key),
          enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable`,
    shared: `get: (desc = __getOwnPropDesc(from, key)) && desc.get || __accessProp.bind(from, key),
          enumerable: !desc || desc.enumerable`,
  },
].map(({ bun, part, shared }) => ({ bun, shared: bun.replace(part, shared) }));

/**
 * The script for `moduleCode` (Bun's CommonJS output), and how many lines it puts above the
 * modules' first line compared with `moduleCode` itself (the shift of its source map: the factory's
 * head and the return above the modules, less the setter line taken out of `__export`).
 */
export function runModulesScript(moduleCode: string): { code: string; linesShift: number } {
  const helpers = runtimeHelpers(moduleCode);
  if (helpers === undefined) {
    return { code: `globalThis.__temporal_run_modules = ${FACTORY_HEAD}\n${moduleCode}\n};`, linesShift: 1 };
  }
  const shared = REPLACED_HELPERS.reduce(
    (prelude, helper) => prelude.replace(helper.bun, helper.shared),
    helpers.prelude,
  );
  const head = `globalThis.__temporal_run_modules = (function temporalRunModuleHelpers() {\n${shared}\nreturn ${FACTORY_HEAD}\n`;
  return {
    code: `${head}${helpers.modules}\n};\n})();`,
    linesShift: lineCount(head) - lineCount(helpers.prelude),
  };
}

/**
 * Bun's helper definitions above the first module (`prelude`) and the rest, when every definition
 * there is a {@link SHAREABLE_HELPERS} one; undefined otherwise, or when there are none.
 */
function runtimeHelpers(moduleCode: string): { prelude: string; modules: string } | undefined {
  // Bun heads each module's code with a `// path` comment line; output that starts with one has no helpers.
  const firstModule = moduleCode.startsWith('// ') ? 0 : moduleCode.indexOf('\n// ') + 1;
  if (firstModule === 0) return undefined;
  const prelude = moduleCode.slice(0, firstModule);
  for (const line of prelude.split('\n')) {
    if (line === '' || /^[ \t})\]]/.test(line)) continue;
    const definition = /^(?:var|function)\s+([\w$]+)/.exec(line);
    if (definition === null || !SHAREABLE_HELPERS.has(definition[1]!)) return undefined;
  }
  return { prelude, modules: moduleCode.slice(firstModule) };
}

function lineCount(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) count++;
  return count;
}
