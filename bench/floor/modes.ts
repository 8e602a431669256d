/**
 * The minimal servers of the framework-floor suite (bench/floor/server.ts), each adding one layer,
 * up to the stack the app runs; by CLI name, with the label the report prints.
 */
export const FLOOR_MODES = {
  node: 'bare Node http',
  express: 'bare Express',
  fastify: 'bare Fastify',
  'nest-express': 'Nest+Express',
  'nest-fastify': 'Nest+Fastify',
  'nest-express-full': 'Nest+Express+nestjs-pino+helmet',
  'nest-fastify-full': 'Nest+Fastify+nestjs-pino+@fastify/helmet',
  'nest-fastify-full-static': 'Nest+Fastify+nestjs-pino+helmet headers once',
  'nest-fastify-interceptor': 'Nest+Fastify+one pass-through interceptor (NestJS 11 scopes)',
  'nest-fastify-interceptor-scoped': "Nest+Fastify+one pass-through interceptor (the app's scopes)",
} as const;
export type FloorMode = keyof typeof FLOOR_MODES;
