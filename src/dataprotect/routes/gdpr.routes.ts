import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditEventJson } from '../../audit/audit-json.js';
import { AuditEventSchema } from '../../audit/schemas.js';
import { accountJson, sessionJson } from '../../identity/account-json.js';
import { ApiKeySchema, apiKeyJson } from '../../identity/api-key-schemas.js';
import { type Authenticator, requestContext } from '../../identity/authenticate.js';
import { AccountSchema, MfaStatusResponse, SessionSchema } from '../../identity/schemas.js';
import type { ConsentState, GdprService } from '../gdpr-service.js';

export interface GdprRoutesOptions {
  gdpr: GdprService;
  auth: Authenticator;
}

const Iso = Type.String({ format: 'date-time' });
const iso = (ms: number) => new Date(ms).toISOString();
const Purpose = Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,63}$' });

const ConsentsResponse = Type.Object(
  {
    consents: Type.Array(
      Type.Object(
        {
          purpose: Type.String(),
          granted: Type.Boolean(),
          updated_at: Type.Union([Iso, Type.Null()]),
        },
        { additionalProperties: false },
      ),
    ),
    history: Type.Array(
      Type.Object(
        { purpose: Type.String(), granted: Type.Boolean(), time: Iso },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const ExportResponse = Type.Object(
  {
    exported_at: Iso,
    account: AccountSchema,
    sessions: Type.Array(SessionSchema),
    api_keys: Type.Array(ApiKeySchema),
    mfa: MfaStatusResponse,
    consents: ConsentsResponse,
    audit_records: Type.Array(AuditEventSchema),
    audit_records_truncated: Type.Boolean(),
  },
  { additionalProperties: false },
);

function consentsJson(state: ConsentState) {
  return {
    consents: state.current.map((c) => ({
      purpose: c.purpose,
      granted: c.granted,
      updated_at: c.updatedAt === null ? null : iso(c.updatedAt),
    })),
    history: state.history.map((r) => ({
      purpose: r.purpose,
      granted: r.granted,
      time: iso(r.time),
    })),
  };
}

/** The account holder's GDPR rights: export, erasure, consents (and an admin read of consents). */
export const gdprRoutes: FastifyPluginAsyncTypebox<GdprRoutesOptions> = async (
  app,
  { gdpr, auth },
) => {
  app.get(
    '/v1/me/export',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['account'],
        summary:
          'Everything Rampart holds about the caller, as JSON: account, sessions, API keys, MFA status, consents, audit records',
        security: [{ bearerAuth: [] }],
        response: { 200: ExportResponse },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const data = await gdpr.export(principal.id, requestContext(request));
      const now = data.exportedAt;
      reply.header('content-disposition', 'attachment; filename="rampart-export.json"');
      reply.header('cache-control', 'no-store');
      return {
        exported_at: iso(now),
        account: accountJson(data.account),
        sessions: data.sessions.map((s) => sessionJson(s, principal.sessionId)),
        api_keys: data.apiKeys.map((k) => apiKeyJson(k, now)),
        mfa: {
          totp: {
            enabled: data.mfa.enabled,
            enabledAt: data.mfa.enabledAt === null ? null : iso(data.mfa.enabledAt),
          },
          recoveryCodesRemaining: data.mfa.recoveryCodesRemaining,
        },
        consents: consentsJson(data.consents),
        audit_records: data.auditRecords.map(auditEventJson),
        audit_records_truncated: data.auditRecordsTruncated,
      };
    },
  );

  app.delete(
    '/v1/me',
    {
      // A DELETE usually has no body: treat a missing one as `{}` (no password given).
      preValidation: async (request) => {
        request.body ??= {};
      },
      preHandler: auth.requireUser,
      schema: {
        tags: ['account'],
        summary:
          'Erase the caller’s personal data (needs `password`, or a login within dataProtection.reauthMaxAge seconds); audit records keep a pseudonymous id',
        security: [{ bearerAuth: [] }],
        body: Type.Object(
          { password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            {
              erased: Type.Literal(true),
              pseudonym: Type.String({
                description: 'The id by which the erased account is known in the audit trail.',
              }),
            },
            { additionalProperties: false },
          ),
        },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      const password = request.body.password;
      const { pseudonym } = await gdpr.erase(
        principal.id,
        { authTime: principal.authTime, ...(password !== undefined ? { password } : {}) },
        requestContext(request),
      );
      await auth.revokeToken(principal);
      return { erased: true as const, pseudonym };
    },
  );

  app.get(
    '/v1/me/consents',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['account'],
        summary: 'The caller’s consent per purpose, and every change',
        security: [{ bearerAuth: [] }],
        response: { 200: ConsentsResponse },
      },
    },
    async (request) => consentsJson(await gdpr.consents(auth.principalOf(request).id)),
  );

  app.put(
    '/v1/me/consents',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['account'],
        summary: 'Grant or withdraw consent for one purpose (kept in the history)',
        security: [{ bearerAuth: [] }],
        body: Type.Object(
          { purpose: Purpose, granted: Type.Boolean() },
          { additionalProperties: false },
        ),
        response: { 200: ConsentsResponse },
      },
    },
    async (request) =>
      consentsJson(
        await gdpr.setConsent(
          auth.principalOf(request).id,
          request.body.purpose,
          request.body.granted,
          requestContext(request),
        ),
      ),
  );

  app.get(
    '/v1/admin/accounts/:id/consents',
    {
      preHandler: auth.requireRole('ADMIN'),
      schema: {
        tags: ['account'],
        summary: 'An account’s consents and their history (ADMIN)',
        security: [{ bearerAuth: [] }],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: ConsentsResponse },
      },
    },
    async (request) => consentsJson(await gdpr.consents(request.params.id)),
  );
};
