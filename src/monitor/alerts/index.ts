export { AlertManager } from './alert-manager.js';
export type { AlertChannelInput, AlertRuleInput } from './alert-schemas.js';
export { AlertService } from './alert-service.js';
export type {
  AlertInstance,
  AlertNotification,
  AlertRule,
  AlertSeverity,
  LabelMatcher,
  Silence,
} from './core/alert-rule.js';
export { type Alerts, createAlerts } from './create-alerts.js';
export { alertsPlugin } from './plugin.js';
export type { AlertStore } from './store.js';
