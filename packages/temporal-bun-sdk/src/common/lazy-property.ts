/**
 * Large values that are often never read (a bundle's source map, the sandbox layout a worker does
 * not use) are made on first read instead of up front, behind a property that reads as plain data.
 */

/**
 * Defines `key` on `target` as an own enumerable property whose value `compute` makes on its first
 * read; from then on (or from a first assignment, which skips `compute`) it is a plain writable
 * data property. Spreads, `Object.keys` and `JSON.stringify` see it as any other property.
 */
export function defineLazyProperty<T extends object, K extends string, V>(
  target: T,
  key: K,
  compute: () => V,
): T & Record<K, V> {
  const settle = (owner: object, value: V) =>
    Object.defineProperty(owner, key, { value, enumerable: true, configurable: true, writable: true });
  return Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get(this: object) {
      const value = compute();
      settle(this, value);
      return value;
    },
    set(this: object, value: V) {
      settle(this, value);
    },
  }) as T & Record<K, V>;
}
