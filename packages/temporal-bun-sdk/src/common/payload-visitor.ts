/**
 * `@temporalio/common`'s payload visitor, loaded on first use. Its module re-exports a generated
 * walker for every message that holds payloads (a 160 KB module, ~3 ms of a worker's start). Every
 * activity task goes through it (to find External Storage references) and, with payload codecs,
 * every activation, but nothing before the first poll does: the worker loads it once its first
 * polls are out (`worker.ts`).
 */
import type * as PayloadVisitor from '@temporalio/common/lib/internal-non-workflow/payload-visitor';

let loaded: typeof PayloadVisitor | undefined;

/** The visitor's module (`visit` and the `walk*` functions). */
export function payloadVisitor(): typeof PayloadVisitor {
  loaded ??= require('@temporalio/common/lib/internal-non-workflow/payload-visitor') as typeof PayloadVisitor;
  return loaded;
}
