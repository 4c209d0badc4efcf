import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor } from '../../events/security-event.js';
import type { PubSub } from '../../storage/hot-state.js';
import type { RotationResult, SigningKeyRing } from './signing-key-ring.js';

/** Pub/sub channel on which a node announces that the signing keys changed. */
export const signingKeysChannel = 'identity.signing-keys';

/**
 * Rotation as an operation: the ring makes the key, every other node is told to reload
 * at once (through Redis in a cluster), and the event records who did it.
 */
export class SigningKeyService {
  constructor(
    private readonly ring: SigningKeyRing,
    private readonly events: EventPublisher,
    private readonly pubsub: PubSub,
  ) {}

  async rotate(actor: EventActor): Promise<RotationResult> {
    const result = await this.ring.rotate();
    await this.announce(result);
    await this.events.publish({
      type: 'signing_key.rotated',
      outcome: 'success',
      actor,
      target: { type: 'signing_key', id: result.kid },
      details: {
        algorithm: result.algorithm,
        retiredKids: result.retiredKids,
        retiredVerifyUntil: result.retiredVerifyUntil,
      },
    });
    return result;
  }

  /** Tells other nodes to reload (also used after the initial key is created). */
  async announce(result: RotationResult): Promise<void> {
    await this.pubsub.publish(signingKeysChannel, JSON.stringify({ kid: result.kid }));
  }

  /** Reload whenever another node (or the CLI) announces a change. */
  async follow(): Promise<() => Promise<void>> {
    return this.pubsub.subscribe(signingKeysChannel, () => {
      void this.ring.reload().catch(() => {});
    });
  }
}
