/**
 * Polls `check` every 25 ms until it holds; throws after `timeoutMs`.
 *
 * @example
 * await until(() => hook.received.length === 1);
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
