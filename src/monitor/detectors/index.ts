export { DetectorEngine, type DetectorEngineOptions } from './detector-engine.js';
export { isOffHours, type Observation, type SignalSubject } from './detector-rules.js';
export type { DetectorSignal, SignalSeverity } from './detector-signal.js';
