import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';

// A body that is one of several shapes, as an alert channel is (email, webhook, …).
const Shape = Type.Union([
  Type.Object(
    { type: Type.Literal('email'), to: Type.String({ format: 'email' }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('webhook'), secret: Type.String({ minLength: 16 }) },
    { additionalProperties: false },
  ),
]);

describe('validation_failed errors of a union body', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({
      register: async (app) => {
        app.post('/test/shape', { schema: { body: Shape } }, async () => ({ ok: true }));
      },
    });
  });
  afterAll(async () => r?.close());

  it("names what is wrong with a field in the variant that has it, not another variant's 'is not allowed'", async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: '/test/shape',
      payload: { type: 'webhook', secret: 'short' },
    });
    const body = expectProblem(res, 400, 'validation_failed') as {
      errors: { in: string; path: string; message: string }[];
    };
    const secret = body.errors.filter((e) => e.path === '/secret');
    expect(secret).toHaveLength(1);
    expect(secret[0]?.message).toMatch(/16/);
  });

  it('judges a body by the variant its type names, so the errors are only what is wrong there', async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: '/test/shape',
      payload: { type: 'email', to: 'not-an-address' },
    });
    const body = expectProblem(res, 400, 'validation_failed') as { errors: unknown[] };
    expect(body.errors).toEqual([
      { in: 'body', path: '/to', message: 'must match format "email"' },
    ]);
  });

  it('still says a field is not allowed when no variant accepts it', async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: '/test/shape',
      payload: { type: 'email', to: 'a@example.com', extra: 1 },
    });
    const body = expectProblem(res, 400, 'validation_failed') as {
      errors: { path: string; message: string }[];
    };
    expect(body.errors).toContainEqual(
      expect.objectContaining({ path: '/extra', message: 'is not allowed' }),
    );
  });
});
