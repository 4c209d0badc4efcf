import { Type } from 'typebox';

/** The problem+json document, as documented in the OpenAPI for every error response. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ format: 'uri' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    code: Type.String({ description: 'Stable error code; see /problems/{code}.' }),
    requestId: Type.String(),
    errors: Type.Optional(
      Type.Array(Type.Object({ in: Type.String(), path: Type.String(), message: Type.String() }), {
        description: 'validation_failed: each invalid field.',
      }),
    ),
    violations: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Password policy: every rule the password breaks.',
      }),
    ),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details' },
);
