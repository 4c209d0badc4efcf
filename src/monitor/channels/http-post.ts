import { DeliveryError } from './channel.js';

/**
 * POSTs a JSON body and drains the answer. A non-2xx answer is a DeliveryError, permanent
 * for a 4xx other than 408 and 429. The response body is never kept: it may echo secrets.
 */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'rampart-alerts', ...headers },
      body,
      signal,
      redirect: 'manual',
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new DeliveryError(
      `unreachable: ${(error as { cause?: { code?: string } }).cause?.code ?? 'network error'}`,
    );
  }
  await response.body?.cancel().catch(() => {});
  if (response.status >= 200 && response.status < 300) return;
  const permanent =
    response.status >= 400 &&
    response.status < 500 &&
    response.status !== 408 &&
    response.status !== 429;
  throw new DeliveryError(`http ${response.status}`, permanent);
}
