/**
 * The activity registry: the worker's `activities` option normalised to a `Map<name, function>` and
 * validated once, at start-up, so a typo fails `createWorker` instead of the first task.
 */

/** An activity implementation as the registry stores it (arguments are whatever the data converter decodes). */
export type ActivityImplementation = (...args: any[]) => unknown;

/** The activity registry: activity type name → implementation. */
export type ActivityRegistry = Map<string, ActivityImplementation>;

/**
 * What the worker's `activities` option accepts:
 * - an object of functions (`import * as activities from './activities'`), registered by key;
 * - an array of named functions (registered by `fn.name`) and/or objects of functions;
 * - a `Map` from name to function.
 */
export type ActivitiesInput =
  | object
  | ReadonlyArray<object | ActivityImplementation>
  | ReadonlyMap<string, ActivityImplementation>;

/** The `activities` option is invalid; `activityName` names the offending entry when there is one. */
export class ActivityRegistrationError extends Error {
  override readonly name = 'ActivityRegistrationError';
  constructor(
    message: string,
    readonly activityName?: string,
  ) {
    super(message);
  }
}

/**
 * Normalises `activities` to a registry, checking that every value is a function and no name is
 * registered twice.
 *
 * @throws {ActivityRegistrationError} naming the first entry that is not a function, is registered
 * twice, or (in an array) is an anonymous function.
 *
 * @example
 * import * as greetings from './greetings';
 * const registry = createActivityRegistry([greetings, async function audit() {}]);
 * registry.get('greet'); // greetings.greet
 */
export function createActivityRegistry(activities: ActivitiesInput | undefined | null): ActivityRegistry {
  const registry: ActivityRegistry = new Map();
  if (activities === undefined || activities === null) return registry;
  if (typeof activities !== 'object') {
    throw new ActivityRegistrationError(
      `activities must be an object of functions, an array of functions and objects, or a Map; got ${describeValue(activities)}`,
    );
  }

  const register = (name: string, value: unknown, where: string) => {
    if (typeof value !== 'function') {
      throw new ActivityRegistrationError(
        `activity "${name}" (${where}) is ${describeValue(value)}, not a function: register only activity functions`,
        name,
      );
    }
    if (registry.has(name)) {
      throw new ActivityRegistrationError(
        `activity "${name}" is registered twice (again ${where}): activity type names must be unique`,
        name,
      );
    }
    registry.set(name, value as ActivityImplementation);
  };

  const registerObject = (object: object, where: string) => {
    for (const [name, value] of Object.entries(object)) register(name, value, where);
  };

  if (activities instanceof Map) {
    for (const [name, value] of activities as ReadonlyMap<unknown, unknown>) {
      if (typeof name !== 'string' || name === '') {
        throw new ActivityRegistrationError(
          `activity names in a Map must be non-empty strings; got ${describeValue(name)}`,
        );
      }
      register(name, value, 'in the Map');
    }
  } else if (Array.isArray(activities)) {
    activities.forEach((entry: unknown, index: number) => {
      const where = `at activities[${index}]`;
      if (typeof entry === 'function') {
        if (!entry.name) {
          throw new ActivityRegistrationError(
            `the function ${where} has no name: give it one (\`async function myActivity() {}\`) or wrap it in an object ({ myActivity })`,
          );
        }
        register(entry.name, entry, where);
      } else if (entry !== null && typeof entry === 'object') {
        registerObject(entry, `in the object ${where}`);
      } else {
        throw new ActivityRegistrationError(
          `activities[${index}] is ${describeValue(entry)}: an activities array may hold only functions and objects of functions`,
        );
      }
    });
  } else {
    registerObject(activities, 'in the activities object');
  }
  return registry;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value} (${String(value)})`;
  }
}
