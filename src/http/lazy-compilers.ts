// Schemas are compiled when a route is first used, not when the app starts. Compiling every route's
// request validators (Ajv) and response serializers (fast-json-stringify) up front took about 3 s of
// CPU per app: a server restart, every node of a cluster, and every test that builds an app paid it,
// for routes most of them never call. A route's first request pays its own compile (milliseconds).
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';
import type { Ajv } from 'ajv';

type Validate = ReturnType<Ajv['compile']>;

/** A validator that compiles on its first call; Fastify reads `errors` and `schemaEnv` from it like from Ajv's. */
export function lazyValidator(compile: () => Validate): Validate {
  let compiled: Validate | undefined;
  const get = () => (compiled ??= compile());
  const validate = ((data: unknown, context?: Parameters<Validate>[1]) => get()(data, context)) as Validate;
  Object.defineProperty(validate, 'errors', { get: () => get().errors });
  Object.defineProperty(validate, 'schemaEnv', { get: () => get().schemaEnv });
  return validate;
}

const buildSerializer = SerializerSelector();

/** Fastify's own serializer factory (fast-json-stringify with the app's shared schemas), compiled on first use. */
export const lazySerializers: NonNullable<FastifyServerOptions['schemaController']> = {
  compilersFactory: {
    buildSerializer(externalSchemas: unknown, options: unknown) {
      const compile = buildSerializer(externalSchemas as never, options as never);
      return (route: Parameters<typeof compile>[0]) => {
        let serialize: ((data: unknown) => string) | undefined;
        return (data: unknown) => (serialize ??= compile(route))(data);
      };
    },
  },
};
