import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RampartConfig } from '../config/schema.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { Authenticator } from '../identity/authenticate.js';
import type { PubSub } from '../storage/hot-state.js';
import { ApprovalPolicies, compileApprovalPolicies } from './approval-policies.js';
import { ApprovalService } from './approval-service.js';
import { DenialEvents } from './denial-events.js';
import { InternalApprovalCalls } from './internal-approval-calls.js';
import { PolicyService } from './policy-service.js';
import type { DecideFunction } from './policy-store.js';
import { approvalRequestRoutes } from './routes/approval-requests.routes.js';
import { approvalRoutes } from './routes/approvals.routes.js';
import { assignmentRoutes } from './routes/assignments.routes.js';
import { callerActor } from './routes/caller-actor.js';
import { authzRoutes } from './routes/check.routes.js';
import { explainRoutes } from './routes/explain.routes.js';
import { grantRoutes } from './routes/grants.routes.js';
import { roleRoutes } from './routes/roles.routes.js';
import sensitiveRoutes from './sensitive-routes.plugin.js';
import type { ApprovalStore, AuthzPolicyStore } from './store.js';

export interface CreateAuthzOptions {
  config: RampartConfig;
  policyStore: AuthzPolicyStore;
  approvalStore: ApprovalStore;
  pubsub: PubSub;
  events: EventPublisher;
  logger: Logger;
}

export interface Authz {
  /** The stored policy in force; also the authorizer of Rampart's own guards. */
  policy: PolicyService;
  approvals: ApprovalService;
  /** Adds step-up and approval guards to the configured routes: register before any route. */
  registerGuards(app: FastifyInstance): Promise<void>;
  /** The authorization API under /v1/authz. */
  registerRoutes(
    app: FastifyInstance,
    deps: {
      auth: Authenticator;
      principalExists(id: string): Promise<boolean>;
      /** Refuses assignments the account admin API would refuse (the last ADMIN). */
      checkAssignment?: (id: string, roles: readonly string[]) => Promise<void>;
      /** A stored principal's kind and built-in roles (for GET /v1/authz/explain). */
      principalOf?: (
        id: string,
      ) => Promise<{ kind: 'user' | 'service_account'; roles: readonly string[] } | undefined>;
    },
  ): Promise<void>;
  close(): Promise<void>;
}

/** Assembles the authorization capability: the stored policy, step-up and approvals. */
export async function createAuthz(o: CreateAuthzOptions): Promise<Authz> {
  const policy = new PolicyService({
    store: o.policyStore,
    pubsub: o.pubsub,
    events: o.events,
    environmentAccess: o.config.authz.environment,
    onBackgroundError: (error) =>
      o.logger.warn({ err: error }, 'authorization policy reload failed'),
  });
  const stopPolicy = await policy.start();
  const denials = new DenialEvents({
    events: o.events,
    onError: (error) => o.logger.warn({ err: error }, 'authz.denied event failed'),
  });
  const stop = async () => {
    await denials.close();
    await stopPolicy();
  };
  const approvalConfig = o.config.authz.approvals;
  const approvals = new ApprovalService({
    store: o.approvalStore,
    events: o.events,
    ttlMs: approvalConfig.ttl * 1000,
    required: approvalConfig.required,
    approverRole: approvalConfig.approverRole,
  });
  const approvalPolicies = new ApprovalPolicies(
    compileApprovalPolicies(approvalConfig.policies, approvalConfig),
    o.config.env,
  );
  const internalCalls = new InternalApprovalCalls();
  // Roles assigned in the policy hold for decisions asked of the API too.
  const decide: DecideFunction = (principal, action, resource, context) =>
    policy.decide(
      { ...principal, roles: policy.rolesOf(principal.id, principal.roles) },
      action,
      resource,
      context,
    );
  return {
    policy,
    approvals,
    async registerGuards(app) {
      await app.register(sensitiveRoutes, {
        stepUpRoutes: o.config.authz.stepUp.routes,
        stepUpMaxAgeSeconds: o.config.authz.stepUp.maxAge,
        approvalPolicies,
        approvals,
        internalCalls,
        events: o.events,
        production: o.config.env === 'production',
      });
    },
    async registerRoutes(app, { auth, principalExists, checkAssignment, principalOf }) {
      await app.register(authzRoutes, {
        auth,
        decide,
        onDenied: (request, denied) => {
          const caller = callerActor(auth, request);
          const requestId = String(request.id);
          denials.record(denied.map((d) => ({ ...d, caller, requestId })));
        },
      });
      await app.register(roleRoutes, { auth, policy });
      await app.register(grantRoutes, { auth, policy });
      await app.register(assignmentRoutes, { auth, policy, principalExists, checkAssignment });
      await app.register(explainRoutes, {
        auth,
        policy,
        ...(principalOf ? { principalOf } : {}),
      });
      await app.register(approvalRoutes, { auth, approvals, authorizer: policy });
      await app.register(approvalRequestRoutes, { auth, approvals, internalCalls });
    },
    close: stop,
  };
}
