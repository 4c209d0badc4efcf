import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Authenticator, requestContext } from '../authenticate.js';
import { userActor } from '../core/request-context.js';
import type { SigningKeyService } from '../core/signing-key-service.js';
import { RotationResponse } from '../schemas.js';

export interface SigningKeyRoutesOptions {
  signingKeys: SigningKeyService;
  auth: Authenticator;
}

export const signingKeyRoutes: FastifyPluginAsyncTypebox<SigningKeyRoutesOptions> = async (
  app,
  { signingKeys, auth },
) => {
  app.post(
    '/v1/admin/signing-keys/rotate',
    {
      preHandler: auth.requireRole('ADMIN'),
      schema: {
        tags: ['keys'],
        summary:
          'Make a new current JWT signing key; the old one verifies until its last token expires',
        security: [{ bearerAuth: [] }],
        response: { 200: RotationResponse },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (!principal) throw new Error('principal missing after authentication');
      const result = await signingKeys.rotate(userActor(principal.id, requestContext(request)));
      return {
        kid: result.kid,
        algorithm: result.algorithm,
        retired_kids: result.retiredKids,
        retired_verify_until: new Date(result.retiredVerifyUntil).toISOString(),
      };
    },
  );
};
