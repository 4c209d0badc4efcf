import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { validatorCompiler } from './validator-compiler.js';

const compile = (schema: ReturnType<typeof Type.Object>, httpPart: string) =>
  validatorCompiler({ schema, httpPart, method: 'POST', url: '/x' }) as (v: unknown) => {
    value?: unknown;
    error?: unknown;
  };

describe('the request validator', () => {
  const schema = Type.Object(
    {
      n: Type.Integer(),
      flag: Type.Boolean({ default: false }),
      tags: Type.Array(Type.String(), { default: [] }),
    },
    { additionalProperties: false },
  );

  it('applies schema defaults to omitted fields', () => {
    expect(compile(schema, 'body')({ n: 1 }).value).toEqual({ n: 1, flag: false, tags: [] });
  });

  it('never coerces body types', () => {
    expect(compile(schema, 'body')({ n: '1' }).error).toBeDefined();
  });

  it('converts querystring strings to the schema types', () => {
    expect(compile(schema, 'querystring')({ n: '7', flag: 'true' }).value).toEqual({
      n: 7,
      flag: true,
      tags: [],
    });
  });

  it('refuses unknown fields', () => {
    expect(compile(schema, 'body')({ n: 1, extra: 1 }).error).toBeDefined();
  });
});
