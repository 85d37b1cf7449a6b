/**
 * The message of whatever was thrown, for error texts: an `Error`'s message, also one from a
 * workflow sandbox's realm (where `instanceof Error` is false), else the value as a string.
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)
    ? String((error as { message: unknown }).message)
    : String(error);
}
