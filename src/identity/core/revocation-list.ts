import type { ExpiringSetStore } from '../../storage/hot-state.js';

/** What identifies an access token for revocation: its `jti` and, if any, its session. */
export interface RevocableToken {
  readonly jti: string;
  readonly sid?: string | undefined;
}

/** The set members a token's revocation is stored under, and the ids they were built from. */
interface RevocationMembers {
  readonly jti: string;
  readonly sid: string | undefined;
  readonly jtiMember: string;
  readonly sidMember: string | undefined;
}

const jtiMember = (jti: string): string => `revoked:jti:${jti}`;
const sidMember = (sessionId: string): string => `revoked:sid:${sessionId}`;

/**
 * Access tokens are self-contained, so revoking one means remembering its id until it
 * would have expired anyway. Two lists in the hot store, global across nodes on Redis:
 * token ids (`jti`) and session ids (`sid`, which kills every access token of a session
 * at once). Entries live as long as the longest access token could.
 */
export class RevocationList {
  /**
   * Per verified token (the verifier's cache hands out the same claims object on every
   * request), the member strings it is looked up by: built once rather than on every
   * request. Only the names are kept; every check still asks the set, so a revocation
   * shows at once.
   */
  readonly #members = new WeakMap<RevocableToken, RevocationMembers>();

  constructor(
    private readonly sets: ExpiringSetStore,
    /** Milliseconds an access token can live (TTL + clock tolerance). */
    private readonly ttlMs: number,
  ) {}

  async revokeToken(jti: string): Promise<void> {
    await this.sets.add(jtiMember(jti), this.ttlMs);
  }

  async revokeSession(sessionId: string): Promise<void> {
    await this.sets.add(sidMember(sessionId), this.ttlMs);
  }

  /** True when the token or its session has been revoked. */
  async isRevoked(jti: string, sessionId: string | undefined): Promise<boolean> {
    // Both lookups start together; on Redis auto-pipelining sends them in one round trip.
    const [token, session] = await Promise.all([
      this.sets.has(jtiMember(jti)),
      sessionId ? this.sets.has(sidMember(sessionId)) : false,
    ]);
    return token || session;
  }

  /**
   * {@link isRevoked} for `token` without a promise, when the hot store is in this process
   * (memory); undefined when it is across a network (Redis), where only `isRevoked` can
   * answer.
   */
  isRevokedNow(token: RevocableToken): boolean | undefined {
    const hasNow = this.sets.hasNow;
    if (hasNow === undefined) return undefined;
    const members = this.#membersOf(token);
    return (
      hasNow(members.jtiMember) || (members.sidMember !== undefined && hasNow(members.sidMember))
    );
  }

  #membersOf(token: RevocableToken): RevocationMembers {
    const { jti, sid } = token;
    const known = this.#members.get(token);
    // Compared again, so an object whose ids changed is never looked up by old names.
    if (known !== undefined && known.jti === jti && known.sid === sid) return known;
    const members: RevocationMembers = {
      jti,
      sid,
      jtiMember: jtiMember(jti),
      sidMember: sid ? sidMember(sid) : undefined,
    };
    this.#members.set(token, members);
    return members;
  }
}
