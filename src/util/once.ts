/** A function that runs `fn` on its first call only and hands every caller that first result. */
export function once<T>(fn: () => T): () => T {
  let result: { value: T } | undefined;
  return () => {
    result ??= { value: fn() };
    return result.value;
  };
}
