import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { RampartError } from '../../errors/rampart-error.js';
import { requestContext } from '../../identity/authenticate.js';
import { authzErrors } from '../errors.js';
import { AssignmentBody, AssignmentJson, AssignmentParams } from '../role-schemas.js';
import { callerActor } from './caller-actor.js';
import type { PolicyRoutesOptions } from './roles.routes.js';

export interface AssignmentRoutesOptions extends PolicyRoutesOptions {
  /** True when an account or a service account has this id. */
  principalExists(id: string): Promise<boolean>;
  /** Throws when the new roles are refused (e.g. they take ADMIN from the last administrator). */
  checkAssignment?: ((id: string, roles: readonly string[]) => Promise<void>) | undefined;
}

/**
 * Roles assigned to accounts and service accounts, built-in or custom (`authz:read`,
 * `authz:write`). They add to the roles an account holds from registration or an
 * invitation and take effect on the next request, on every node.
 */
export const assignmentRoutes: FastifyPluginAsyncTypebox<AssignmentRoutesOptions> = async (
  app,
  { auth, policy, principalExists, checkAssignment },
) => {
  const security = [{ bearerAuth: [] }];

  app.get(
    '/v1/authz/assignments/:principalId',
    {
      preHandler: auth.requirePermission('authz:read'),
      schema: {
        tags: ['authz'],
        summary: 'The roles assigned to an account or service account through the policy',
        security,
        params: AssignmentParams,
        response: { 200: AssignmentJson },
      },
    },
    async (request) => ({
      principalId: request.params.principalId,
      roles: [...policy.assignedTo(request.params.principalId)],
    }),
  );

  app.put(
    '/v1/authz/assignments/:principalId',
    {
      preHandler: auth.requirePermission('authz:write'),
      schema: {
        tags: ['authz'],
        summary: 'Replace the roles assigned to an account or service account',
        security,
        params: AssignmentParams,
        body: AssignmentBody,
        response: { 200: AssignmentJson },
      },
    },
    async (request) => {
      const id = request.params.principalId;
      if (!(await principalExists(id)))
        throw new RampartError(authzErrors.authz_principal_not_found);
      await checkAssignment?.(id, request.body.roles);
      const roles = await policy.setAssignments(
        id,
        request.body.roles,
        callerActor(auth, request),
        requestContext(request),
      );
      return { principalId: id, roles: [...roles] };
    },
  );
};
