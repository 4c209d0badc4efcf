/** What a pub/sub adapter does with an exception thrown by a subscriber's handler. */
export type PubSubErrorHandler = (error: unknown, channel: string) => void;

/**
 * A handler runs inside the adapter's delivery loop (a microtask, or ioredis' socket
 * callback); an exception there would become an uncaught error that ends the process.
 * Each delivery is isolated: the error is reported and the other handlers still run.
 */
export function deliverSafely(
  handler: (message: string) => void,
  message: string,
  channel: string,
  onError: PubSubErrorHandler,
): void {
  try {
    handler(message);
  } catch (error) {
    onError(error, channel);
  }
}

export const warnOnHandlerError: PubSubErrorHandler = (error, channel) => {
  process.emitWarning(
    `pub/sub handler for ${channel} threw: ${error instanceof Error ? error.message : String(error)}`,
  );
};
