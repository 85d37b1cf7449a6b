/**
 * Addresses appear in errors, logs and the CLI's ready line; credentials in them never do. (The
 * bridge scrubs its own messages the same way.)
 */

/** `address` with a `user:password@` part replaced by `***@`: `http://a:b@h:7233` → `http://***@h:7233`. */
export function redactAddress(address: string): string {
  const schemeEnd = address.indexOf('://');
  const authorityStart = schemeEnd === -1 ? 0 : schemeEnd + 3;
  const slash = address.indexOf('/', authorityStart);
  const authorityEnd = slash === -1 ? address.length : slash;
  const at = address.lastIndexOf('@', authorityEnd - 1);
  if (at < authorityStart) return address;
  return `${address.slice(0, authorityStart)}***${address.slice(at)}`;
}
