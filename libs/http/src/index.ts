export * from './api-problem-responses';
export * from './domain-error';
export * from './fastify-platform';
export * from './http-conventions.module';
export * from './problem-details';
export * from './problem-details.filter';
export * from './storable-json';
export * from './validation';
