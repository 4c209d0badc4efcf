export { type AuthzEngine, type CompileOptions, compile } from './engine.js';
export { authzErrors, policyProblem } from './errors.js';
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
export { createPolicyHolder, type DecideFunction, type PolicyHolder } from './policy-store.js';
export { type AuthzRoutesOptions, authzRoutes } from './routes.js';
