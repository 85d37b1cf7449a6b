/**
 * How the CLIs word a bridge error: from its structured fields (gRPC status, innermost cause),
 * never from the text of its message.
 */
import { describe, expect, test } from 'bun:test';
import { describeCliError, EXIT_CODES } from '../../src/cli/cli-errors';
import { NativeError } from '../../src/native';

const NOT_FOUND = 5;
const PERMISSION_DENIED = 7;

describe('describeCliError', () => {
  test('a refused validation whose status is NOT_FOUND gets the namespace hint, whatever its message says', () => {
    const error = new NativeError('WORKER_ERROR', 'worker validation failed: the server said no', {
      grpcCode: NOT_FOUND,
      grpcMessage: 'the server said no',
    });
    expect(describeCliError(error)).toEqual({
      message: 'worker validation failed: the server said no: check --namespace (or TEMPORAL_NAMESPACE)',
      exitCode: EXIT_CODES.failure,
    });
  });

  test('a message that reads "namespace not found" gets no hint without the NOT_FOUND status', () => {
    const error = new NativeError('WORKER_ERROR', 'worker validation failed: namespace x not found', {
      grpcCode: PERMISSION_DENIED,
      grpcMessage: 'namespace x not found',
    });
    expect(describeCliError(error).message).toBe('worker validation failed: namespace x not found');
  });

  test("an RPC error prints the status code's name and the server's message, not the bridge's wording", () => {
    const error = new NativeError('RPC_ERROR', 'Status { code: NotFound, message: "ignored" }', {
      grpcCode: NOT_FOUND,
      grpcMessage: 'workflow not found for ID: w-1.',
    });
    expect(describeCliError(error).message).toBe('NOT_FOUND: workflow not found for ID: w-1');
  });

  test('an unreachable server is explained with the URL dialled and the innermost cause the bridge reports', () => {
    const error = new NativeError('CONNECT_FAILED', 'could not connect: message: "not this text"', {
      cause: 'Connection refused (os error 111)',
      target: 'https://127.0.0.1:1/',
    });
    expect(describeCliError(error, { address: '127.0.0.1:1' }).message).toStartWith(
      'cannot reach a Temporal server at https://127.0.0.1:1 (Connection refused (os error 111)): check --address',
    );
    const withoutTarget = new NativeError('CONNECT_FAILED', 'x', { cause: 'no answer within 5000 ms' });
    expect(describeCliError(withoutTarget, { address: 'h:1' }).message).toStartWith(
      'cannot reach a Temporal server at h:1 (no answer within 5000 ms)',
    );
  });

  test('the bridge error JSON carries the structured fields into NativeError.details', () => {
    const error = NativeError.fromJson(
      JSON.stringify({
        code: 'WORKER_ERROR',
        codeNumber: 7,
        message: 'completing the workflow activation failed',
        grpcCode: NOT_FOUND,
        grpcMessage: 'gone',
        grpcDetails: 'AQID',
        rejectedCompletion: { kind: 'MALFORMED_COMPLETION', runId: 'run-1', reason: 'empty status' },
        cause: 'Connection refused (os error 111)',
        target: 'http://h:1/',
      }),
    );
    expect(error.code).toBe('WORKER_ERROR');
    expect(error.details).toEqual({
      grpcCode: NOT_FOUND,
      grpcMessage: 'gone',
      grpcDetails: new Uint8Array([1, 2, 3]),
      rejectedCompletion: { kind: 'MALFORMED_COMPLETION', runId: 'run-1', reason: 'empty status' },
      cause: 'Connection refused (os error 111)',
      target: 'http://h:1/',
    });
  });
});
