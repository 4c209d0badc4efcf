import { Type } from 'typebox';
import { Instant } from './schemas.js';

/** Request and response schemas of the approval routes (/v1/authz/approvals). */

export const ApprovalParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const ApprovalDecisionBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const ApprovalJson = Type.Object(
  {
    id: Type.String(),
    operation: Type.String(),
    requesterId: Type.String(),
    required: Type.Integer(),
    approvers: Type.Array(Type.String()),
    status: Type.Union([
      Type.Literal('pending'),
      Type.Literal('approved'),
      Type.Literal('rejected'),
      Type.Literal('spent'),
      Type.Literal('expired'),
    ]),
    reason: Type.Union([Type.String(), Type.Null()]),
    createdAt: Instant,
    expiresAt: Instant,
    decidedBy: Type.Union([Type.String(), Type.Null()]),
    decidedAt: Type.Union([Instant, Type.Null()]),
    policy: Type.Union([Type.String(), Type.Null()], {
      description:
        'The approval policy that asked for it; null when the route is listed in the configuration key authz.approvals.routes.',
    }),
    approverRole: Type.String({ description: 'The role an approver holds or inherits.' }),
    note: Type.Union([Type.String(), Type.Null()], {
      description: "The requester's reason.",
    }),
    request: Type.Union(
      [
        Type.Object(
          { method: Type.String(), url: Type.String(), body: Type.Unknown() },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      { description: 'The exact request approved (what POST …/execute runs).' },
    ),
  },
  { additionalProperties: false },
);

export const ApprovalCreateBody = Type.Object(
  {
    method: Type.Union(
      [
        Type.Literal('POST'),
        Type.Literal('PUT'),
        Type.Literal('PATCH'),
        Type.Literal('DELETE'),
        Type.Literal('GET'),
      ],
      { description: 'The method of the operation to approve.' },
    ),
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      pattern: '^/(?!/)[^\\s#]*$',
      description: 'Path and query of the operation, as it will be executed (`/v1/…`).',
    }),
    body: Type.Optional(Type.Unknown({ description: 'Its JSON body, if it has one.' })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);
