/**
 * The benchmark's activities: plain `@temporalio/activity` code, registered unchanged by both
 * workers. `noop` does no work so that what is measured is the SDK, not the activity.
 */
import { Context } from '@temporalio/activity';

/** Returns its input. Touches the activity context so that both workers must provide one. */
export async function noop(input: string): Promise<string> {
  Context.current();
  return input;
}
