export type { EventHandler, EventPublisher, EventSubscription } from './event-bus.js';
export { EventBus } from './event-bus.js';
export type {
  ActorKind,
  EventActor,
  EventOutcome,
  EventSeverity,
  EventTarget,
  SecurityEvent,
  SecurityEventInput,
  SecurityEventType,
} from './security-event.js';
export { securityEventTypes } from './security-event.js';
