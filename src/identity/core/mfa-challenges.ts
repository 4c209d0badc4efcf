import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import type { ExpiringValueStore } from '../../storage/hot-state.js';
import { identityErrors } from '../errors.js';
import type { Account } from '../store.js';
import { type RequestContext, userActor } from './request-context.js';
import { generateSecretToken, hashSecretToken } from './secret-token.js';

export type ChallengePurpose = 'verify' | 'enroll';

/** What the password step remembers for the MFA step (hot store, short-lived). */
export interface MfaChallenge {
  accountId: string;
  email: string;
  purpose: ChallengePurpose;
  amr: string[];
}

/** A login that waits for its MFA step: the token that continues it, shown once. */
export interface MfaChallengeResult {
  kind: 'mfa_required' | 'mfa_enrollment_required';
  mfaToken: string;
  expiresIn: number;
}

export interface MfaChallengesOptions {
  challenges: ExpiringValueStore;
  events: EventPublisher;
  /** How long an mfa_token stays valid. */
  challengeTtlMs: number;
}

/**
 * The challenges between a login's first factor and its MFA step: opened with an
 * `mfa_token` (only its hash is the key in the hot store) and an `auth.mfa.challenged`
 * event, read while the code is checked, and taken atomically when the login completes.
 *
 * @example
 * const challenges = new MfaChallenges({ challenges: hot, events, challengeTtlMs: 300_000 });
 * const { mfaToken } = await challenges.open(account, 'verify', ctx);
 * const challenge = await challenges.take(mfaToken); // once only
 */
export class MfaChallenges {
  readonly #o: MfaChallengesOptions;

  constructor(options: MfaChallengesOptions) {
    this.#o = options;
  }

  /** Opens a challenge of `purpose` for `account`, whose first factors were `amr`. */
  async open(
    account: Account,
    purpose: ChallengePurpose,
    ctx: RequestContext,
    amr: string[] = ['pwd'],
  ): Promise<MfaChallengeResult> {
    const { token, hash } = generateSecretToken('rmpmfa_', 32);
    const challenge: MfaChallenge = {
      accountId: account.id,
      email: account.email,
      purpose,
      amr,
    };
    await this.#o.challenges.set(`mfa:${hash}`, JSON.stringify(challenge), this.#o.challengeTtlMs);
    await this.#o.events.publish({
      type: 'auth.mfa.challenged',
      outcome: 'success',
      actor: userActor(account.id, ctx),
      target: { type: 'account', id: account.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { purpose },
    });
    return {
      kind: purpose === 'verify' ? 'mfa_required' : 'mfa_enrollment_required',
      mfaToken: token,
      expiresIn: Math.floor(this.#o.challengeTtlMs / 1000),
    };
  }

  /** The challenge behind an mfa_token, if it is valid for `purpose` (not spent by reading). */
  async peek(mfaToken: string, purpose: ChallengePurpose): Promise<MfaChallenge> {
    const raw = await this.#o.challenges.get(`mfa:${hashSecretToken(mfaToken)}`);
    const challenge = raw ? (JSON.parse(raw) as MfaChallenge) : undefined;
    if (!challenge || challenge.purpose !== purpose)
      throw new RampartError(identityErrors.mfa_token_invalid);
    return challenge;
  }

  /** Spends the challenge behind an mfa_token: of two takers, only one gets it. */
  async take(mfaToken: string): Promise<MfaChallenge> {
    const raw = await this.#o.challenges.take(`mfa:${hashSecretToken(mfaToken)}`);
    if (!raw) throw new RampartError(identityErrors.mfa_token_invalid);
    const challenge = JSON.parse(raw) as MfaChallenge;
    return challenge;
  }

  /** Drops the challenge behind an mfa_token, unspent (its account got locked). */
  async discard(mfaToken: string): Promise<void> {
    await this.#o.challenges.delete(`mfa:${hashSecretToken(mfaToken)}`);
  }
}
