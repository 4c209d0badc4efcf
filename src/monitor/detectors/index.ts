export {
  DetectorEngine,
  type DetectorEngineOptions,
  type DetectorSignal,
  type SignalSeverity,
} from './detector-engine.js';
export { isOffHours, type Observation, type SignalSubject } from './detector-rules.js';
