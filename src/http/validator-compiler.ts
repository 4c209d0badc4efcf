import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

function hasDefault(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  if ('default' in schema) return true;
  return Object.values(schema).some((v) => hasDefault(v));
}

/**
 * TypeBox's compiled validators, as @fastify/type-provider-typebox uses them, plus the
 * one thing that compiler leaves out: schema `default`s are applied, so a handler never
 * sees an omitted optional field as `undefined` when the schema promises a value.
 * Bodies are never type-coerced (`"1"` is not `1`); querystring, params and headers are
 * strings on the wire and are converted to the schema's types.
 */
type Checker = ReturnType<typeof Compile>;

/**
 * The variants of a union of objects told apart by a literal `type` (an alert channel is
 * email, slack, webhook or alertmanager), by that literal; undefined for other schemas.
 */
function variantsByType(schema: unknown): Map<unknown, Checker> | undefined {
  const anyOf = (schema as { anyOf?: unknown }).anyOf;
  if (!Array.isArray(anyOf)) return undefined;
  const out = new Map<unknown, Checker>();
  for (const variant of anyOf) {
    const literal = (variant as { properties?: { type?: { const?: unknown } } }).properties?.type
      ?.const;
    if (literal === undefined || out.has(literal)) return undefined;
    out.set(literal, Compile(variant as TSchema));
  }
  return out;
}

export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  const convert = httpPart !== 'body';
  const defaults = hasDefault(schema);
  const variants = variantsByType(schema);
  return (input: unknown) => {
    let value = input;
    if (convert) value = Value.Convert(schema, value);
    if (defaults && value !== undefined && value !== null) value = Value.Default(schema, value);
    if (check.Check(value)) return { value };
    // A value naming its variant is judged by that variant alone: the union's own errors
    // are every variant's complaints, cut at a few, and rarely the ones that matter.
    const named =
      variants && typeof value === 'object' && value !== null
        ? variants.get((value as { type?: unknown }).type)
        : undefined;
    return { error: (named ?? check).Errors(value) as never };
  };
};
