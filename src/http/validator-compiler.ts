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
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  const convert = httpPart !== 'body';
  const defaults = hasDefault(schema);
  return (input: unknown) => {
    let value = input;
    if (convert) value = Value.Convert(schema, value);
    if (defaults && value !== undefined && value !== null) value = Value.Default(schema, value);
    if (check.Check(value)) return { value };
    return { error: check.Errors(value) as never };
  };
};
