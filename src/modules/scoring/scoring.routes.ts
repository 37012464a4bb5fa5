import { z } from 'zod';
import type { App } from '../../server/types.ts';
import { isoOrNull } from '../../shared/time.ts';
import type { ScoringJobRow, StoredModel } from './scoring.repository.ts';
import {
  jobSchema,
  modelResponse,
  previewBody,
  previewResponse,
  saveModelBody,
  saveModelResponse,
  scoreExplanationResponse,
} from './scoring.schemas.ts';
import * as scoringService from './scoring.service.ts';

export function toApiModel(stored: StoredModel): z.infer<typeof modelResponse> {
  return {
    version: stored.version,
    fit_rules: stored.definition.fit_rules,
    engagement_rules: stored.definition.engagement_rules,
    thresholds: stored.definition.thresholds,
    updated_at: stored.version === 0 ? null : stored.created_at.toISOString(),
    updated_by: stored.created_by,
  };
}

export function toApiJob(job: ScoringJobRow): z.infer<typeof jobSchema> {
  const progress =
    job.status === 'completed' ? 1 : job.total > 0 ? Math.min(1, job.processed / job.total) : 0;
  return {
    id: job.id,
    model_version: job.model_version,
    status: job.status,
    total: job.total,
    processed: job.processed,
    progress,
    changed: job.changed,
    handed_off: job.handed_off,
    needs_qualification: job.needs_qualification,
    attempts: job.attempts,
    error: job.error,
    created_at: job.created_at.toISOString(),
    started_at: isoOrNull(job.started_at),
    finished_at: isoOrNull(job.finished_at),
  };
}

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerScoringRoutes(api: App): void {
  const runner = new scoringService.ScoringJobRunner(api.db, { log: api.log });
  api.addHook('onReady', async () => {
    if (api.backgroundWork) runner.start();
  });
  api.addHook('onClose', async () => runner.close());

  api.get(
    '/scoring/model',
    {
      schema: {
        tags: ['scoring'],
        summary: 'The current scoring model (version 0 is the default before the first save)',
        response: { 200: modelResponse },
      },
    },
    async (request) => toApiModel(await scoringService.getModel(api.db, request.actor)),
  );

  const save = async (request: {
    actor: Parameters<typeof scoringService.saveModel>[1];
    body: z.infer<typeof saveModelBody>;
  }) => {
    const saved = await scoringService.saveModel(api.db, request.actor, request.body);
    runner.kick();
    return { model: toApiModel(saved.model), job: toApiJob(saved.job) };
  };
  const saveSchema = {
    tags: ['scoring'],
    summary: 'Save a new model version (admins); every lead is rescored by a background job',
    description:
      'Send the version you edited; 409 CONFLICT when someone saved in between. The response carries the rescoring job; follow it at GET /scoring/jobs/{id}. Rule format: docs/SCORING.md.',
    body: saveModelBody,
  };
  api.put(
    '/scoring/model',
    { schema: { ...saveSchema, response: { 200: saveModelResponse } } },
    async (request) => save(request),
  );
  api.post(
    '/scoring/model',
    { schema: { ...saveSchema, response: { 201: saveModelResponse } } },
    async (request, reply) => reply.status(201).send(await save(request)),
  );

  api.post(
    '/scoring/preview',
    {
      schema: {
        tags: ['scoring'],
        summary: 'What a draft model would do: leads that would become MQL, temperature changes, samples',
        description: 'Scores every lead under the draft in the database without saving anything.',
        body: previewBody,
        response: { 200: previewResponse },
      },
    },
    async (request) => scoringService.previewModel(api.db, request.actor, request.body),
  );

  api.get(
    '/scoring/jobs/:id',
    {
      schema: {
        tags: ['scoring'],
        summary: 'Progress of a rescoring job',
        params: idParams,
        response: { 200: jobSchema },
      },
    },
    async (request) => toApiJob(await scoringService.getJob(api.db, request.actor, request.params.id)),
  );

  api.get(
    '/leads/:id/score',
    {
      schema: {
        tags: ['scoring'],
        summary:
          'Why a lead has its score: every contributing rule, its points and the touchpoints behind them',
        params: idParams,
        response: { 200: scoreExplanationResponse },
      },
    },
    async (request) => {
      const explanation = await scoringService.explainLeadScore(api.db, request.actor, request.params.id);
      return {
        ...explanation,
        computed_at: explanation.computed_at.toISOString(),
        fit_rules: explanation.fit_rules.map((rule) => ({ ...rule, actual: rule.actual ?? null })),
        engagement_rules: explanation.engagement_rules.map((rule) => ({
          ...rule,
          touchpoints: rule.touchpoints.map((touch) => ({
            ...touch,
            occurred_at: touch.occurred_at.toISOString(),
          })),
        })),
      };
    },
  );
}
