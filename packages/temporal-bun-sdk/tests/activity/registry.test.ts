import { describe, expect, test } from 'bun:test';
import { ActivityRegistrationError, createActivityRegistry } from '../../src/activity';

async function greet(): Promise<string> {
  return 'hi';
}
async function audit(): Promise<void> {}

function registrationError(operation: () => unknown): ActivityRegistrationError {
  try {
    operation();
  } catch (error) {
    if (error instanceof ActivityRegistrationError) return error;
    throw error;
  }
  throw new Error('expected an ActivityRegistrationError, but registration succeeded');
}

describe('createActivityRegistry', () => {
  test('registers an object of functions by key', () => {
    const registry = createActivityRegistry({ greet, sendEmail: audit });
    expect([...registry.keys()]).toEqual(['greet', 'sendEmail']);
    expect(registry.get('sendEmail')).toBe(audit);
  });

  test('registers a module namespace object (import * as activities)', () => {
    const namespace = Object.freeze(Object.assign(Object.create(null), { greet, audit })) as object;
    expect([...createActivityRegistry(namespace).keys()]).toEqual(['greet', 'audit']);
  });

  test('registers an array of named functions by their name and objects of functions by key', () => {
    const registry = createActivityRegistry([greet, { charge: audit }, async function refund() {}]);
    expect([...registry.keys()]).toEqual(['greet', 'charge', 'refund']);
    expect(registry.get('greet')).toBe(greet);
  });

  test('registers a Map as is', () => {
    const registry = createActivityRegistry(new Map([['custom-name', greet]]));
    expect(registry.get('custom-name')).toBe(greet);
  });

  test('no activities is an empty registry', () => {
    expect(createActivityRegistry(undefined).size).toBe(0);
    expect(createActivityRegistry({}).size).toBe(0);
    expect(createActivityRegistry([]).size).toBe(0);
  });

  test('a value that is not a function is an error naming it', () => {
    const error = registrationError(() => createActivityRegistry({ greet, retries: 3 }));
    expect(error.activityName).toBe('retries');
    expect(error.message).toContain('"retries"');
    expect(error.message).toContain('not a function');

    const inArray = registrationError(() => createActivityRegistry([{ greet, config: { url: 'x' } }]));
    expect(inArray.activityName).toBe('config');
    expect(inArray.message).toContain('activities[0]');

    const inMap = registrationError(() => createActivityRegistry(new Map([['broken', 'nope' as never]])));
    expect(inMap.activityName).toBe('broken');
  });

  test('a name registered twice is an error naming it', () => {
    const error = registrationError(() => createActivityRegistry([greet, { greet: audit }]));
    expect(error.activityName).toBe('greet');
    expect(error.message).toContain('registered twice');
    expect(error.message).toContain('activities[1]');
  });

  test('an anonymous function or a primitive in an array is an error saying what to do', () => {
    const anonymous = registrationError(() => createActivityRegistry([(() => async () => {})()]));
    expect(anonymous.message).toContain('activities[0] has no name');
    const primitive = registrationError(() => createActivityRegistry([greet, 'audit' as never]));
    expect(primitive.message).toContain('activities[1] is the string "audit"');
  });

  test('activities that are neither an object, an array nor a Map are rejected', () => {
    expect(() => createActivityRegistry('greet' as never)).toThrow(ActivityRegistrationError);
  });
});
