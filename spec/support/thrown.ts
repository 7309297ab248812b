/** The error a call throws; fails the test when it throws nothing. */
export function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, none was thrown');
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejected(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, the promise resolved');
}

/** The error `run` throws, checked to be an instance of `type` with `code` (and a message matching `text`). */
export function expectThrown<E extends Error & { code: string }>(
  run: () => unknown,
  type: abstract new (...args: never[]) => E,
  code: E['code'],
  text?: RegExp | string,
): E {
  const error = thrown(run);
  expect(error).toBeInstanceOf(type);
  expect((error as E).code).toBe(code);
  if (text !== undefined) {
    expect(error.message).toMatch(typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text);
  }
  return error as E;
}
