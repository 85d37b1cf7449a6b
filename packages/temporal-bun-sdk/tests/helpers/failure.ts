/** The error `run` rejects or throws with; fails the test when it succeeds. */
export async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure, but the call succeeded');
}
