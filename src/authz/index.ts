export { ApprovalService } from './approval-service.js';
export { type Authorizer, builtInAuthorizer } from './authorizer.js';
export { type Authz, createAuthz } from './create-authz.js';
export { type AuthzEngine, type CompileOptions, compile } from './engine.js';
export { authzErrors, policyProblem } from './errors.js';
export { type Explanation, explain } from './explain.js';
export type {
  AttributePredicate,
  AuthzContext,
  AuthzPrincipal,
  AuthzResource,
  Decision,
  DecisionReason,
  Environment,
  Grant,
  GrantConditions,
  GrantSubject,
  Policy,
  RoleDefinition,
  TimeWindow,
} from './model.js';
export { PolicyError } from './model.js';
export { policyChangesChannel } from './policy-changes.js';
export { PolicyService } from './policy-service.js';
export { createPolicyHolder, type DecideFunction, type PolicyHolder } from './policy-store.js';
export { type AuthzRoutesOptions, authzRoutes } from './routes/check.routes.js';
export { approvalHeader } from './sensitive-routes.plugin.js';
export { hasRecentMfa, requireStepUp, type StepUpOptions } from './step-up.js';
export type { ApprovalRecord, ApprovalStore, AuthzPolicyStore } from './store.js';
