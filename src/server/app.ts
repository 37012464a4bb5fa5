import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Database } from '../db/database.ts';
import { AppError } from '../shared/errors.ts';
import { authenticate } from './authenticate.ts';
import { errorBody, handleError } from './error-handler.ts';
import { registerRoutes } from './routes.ts';
import type { App } from './types.ts';

export interface AppOptions {
  database: Database;
  logger?: FastifyServerOptions['logger'];
  /** Directory of the built web app; served at / when it exists. */
  webDir?: string | undefined;
  /**
   * Run background work on timers (rescoring jobs and decay; default true). The benchmark
   * turns it off so that latency figures measure requests alone; a job queued by a request
   * (a model saved, an import) still starts at once.
   */
  backgroundWork?: boolean;
}

export const API_PREFIX = '/api/v1';

export async function buildApp(options: AppOptions): Promise<App> {
  const app = Fastify({
    logger: options.logger ?? false,
    genReqId: () => randomUUID(),
    // Batch ingest takes up to 10,000 items a call.
    bodyLimit: 64 * 1024 * 1024,
    trustProxy: true,
  }).withTypeProvider() as unknown as App;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.decorate('db', options.database.db);
  app.decorate('database', options.database);
  app.decorate('backgroundWork', options.backgroundWork ?? true);
  app.decorateRequest('actor', undefined as never);

  await app.register(fastifyCookie);
  await app.register(fastifyMultipart, { limits: { fileSize: 1024 * 1024 * 1024, files: 10 } });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tandem API',
        description:
          'One revenue goal, one funnel, one set of numbers for sales and marketing. Authenticate with the session cookie from POST /api/v1/auth/login or with `Authorization: Bearer <api token>`.',
        version: '1',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'tandem_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });

  app.addHook('onRequest', authenticate);

  app.get(`${API_PREFIX}/openapi.json`, { config: { public: true }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  app.get(`${API_PREFIX}/health`, { config: { public: true }, schema: { hide: true } }, async () => ({
    status: 'ok',
    store: options.database.kind,
  }));

  await app.register(
    async (api) => {
      await registerRoutes(api as unknown as App);
    },
    { prefix: API_PREFIX },
  );

  const webDir = options.webDir;
  const hasWeb = webDir !== undefined && existsSync(join(webDir, 'index.html'));
  if (hasWeb) {
    await app.register(fastifyStatic, { root: webDir, prefix: '/', wildcard: false, index: ['index.html'] });
  }
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (hasWeb && request.method === 'GET' && !path.startsWith('/api/') && !path.startsWith('/docs')) {
      // Client-side routes of the single-page app.
      return reply.type('text/html').sendFile('index.html');
    }
    const error = new AppError('ROUTE_NOT_FOUND', `No route ${request.method} ${path}`);
    return reply.status(404).send(errorBody(error, request.id));
  });

  return app;
}
