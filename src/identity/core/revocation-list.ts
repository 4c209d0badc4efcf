import type { ExpiringSetStore } from '../../storage/hot-state.js';

/**
 * Access tokens are self-contained, so revoking one means remembering its id until it
 * would have expired anyway. Two lists in the hot store, global across nodes on Redis:
 * token ids (`jti`) and session ids (`sid`, which kills every access token of a session
 * at once). Entries live as long as the longest access token could.
 */
export class RevocationList {
  constructor(
    private readonly sets: ExpiringSetStore,
    /** Milliseconds an access token can live (TTL + clock tolerance). */
    private readonly ttlMs: number,
  ) {}

  async revokeToken(jti: string): Promise<void> {
    await this.sets.add(`revoked:jti:${jti}`, this.ttlMs);
  }

  async revokeSession(sessionId: string): Promise<void> {
    await this.sets.add(`revoked:sid:${sessionId}`, this.ttlMs);
  }

  /** True when the token or its session has been revoked. */
  async isRevoked(jti: string, sessionId: string | undefined): Promise<boolean> {
    // Both lookups start together; on Redis auto-pipelining sends them in one round trip.
    const [token, session] = await Promise.all([
      this.sets.has(`revoked:jti:${jti}`),
      sessionId ? this.sets.has(`revoked:sid:${sessionId}`) : false,
    ]);
    return token || session;
  }

  /**
   * {@link isRevoked} without a promise, when the hot store is in this process (memory);
   * undefined when it is across a network (Redis), where only `isRevoked` can answer.
   */
  isRevokedNow(jti: string, sessionId: string | undefined): boolean | undefined {
    const hasNow = this.sets.hasNow;
    if (hasNow === undefined) return undefined;
    return hasNow(`revoked:jti:${jti}`) || (sessionId ? hasNow(`revoked:sid:${sessionId}`) : false);
  }
}
