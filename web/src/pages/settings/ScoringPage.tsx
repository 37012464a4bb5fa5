import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client.ts';
import type { SavedScoringModel, ScoringModel, ScoringPreview } from '../../api/types.ts';
import { useMe } from '../../app/auth.tsx';
import { TemperatureBadge } from '../../components/Badges.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { TextField } from '../../components/Form.tsx';
import { KpiTile } from '../../components/KpiTile.tsx';
import { useNotify } from '../../components/Notice.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { ErrorState, FormError, LoadingState } from '../../components/States.tsx';
import {
  type ConditionDraft,
  ConditionFields,
  conditionDraft,
  conditionValue,
  emptyCondition,
} from '../../features/conditions.tsx';
import { JobProgress } from '../../features/score.tsx';
import { formatDateTime, formatNumber, titleCase } from '../../lib/format.ts';

const TOUCHPOINT_TYPES = [
  'form_fill',
  'email_open',
  'email_click',
  'webinar',
  'event',
  'ad_click',
  'page_view',
  'content_download',
  'chat',
] as const;

let nextKey = 1;
const newKey = () => nextKey++;

interface FitDraft extends ConditionDraft {
  key: number;
  id?: string;
  name: string;
  points: string;
}

interface EngagementDraft {
  key: number;
  id?: string;
  name: string;
  type: string;
  channel: string;
  campaign_id: string;
  points: string;
  cap_points: string;
  cap_days: string;
  half_life_days: string;
}

interface ModelDraft {
  mql: string;
  warm: string;
  hot: string;
  fit: FitDraft[];
  engagement: EngagementDraft[];
}

function draftOf(model: ScoringModel): ModelDraft {
  return {
    mql: String(model.thresholds.mql),
    warm: String(model.thresholds.warm),
    hot: String(model.thresholds.hot),
    fit: model.fit_rules.map((rule) => ({
      key: newKey(),
      id: rule.id,
      name: rule.name,
      points: String(rule.points),
      ...conditionDraft(rule),
    })),
    engagement: model.engagement_rules.map((rule) => ({
      key: newKey(),
      id: rule.id,
      name: rule.name,
      type: rule.type ?? '',
      channel: rule.channel ?? '',
      campaign_id: rule.campaign_id === undefined ? '' : String(rule.campaign_id),
      points: String(rule.points),
      cap_points: rule.cap ? String(rule.cap.points) : '',
      cap_days: rule.cap ? String(rule.cap.days) : '',
      half_life_days: rule.half_life_days === undefined ? '' : String(rule.half_life_days),
    })),
  };
}

const int = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));

/** The model definition the API takes. Bad numbers are sent as they are so the server names them. */
function definitionOf(draft: ModelDraft) {
  return {
    thresholds: { mql: int(draft.mql), warm: int(draft.warm), hot: int(draft.hot) },
    fit_rules: draft.fit.map((rule) => ({
      ...(rule.id ? { id: rule.id } : {}),
      name: rule.name.trim(),
      field: rule.field.trim(),
      operator: rule.operator,
      ...(conditionValue(rule) !== undefined ? { value: conditionValue(rule) } : {}),
      points: int(rule.points),
    })),
    engagement_rules: draft.engagement.map((rule) => ({
      ...(rule.id ? { id: rule.id } : {}),
      name: rule.name.trim(),
      ...(rule.type ? { type: rule.type } : {}),
      ...(rule.channel.trim() ? { channel: rule.channel.trim() } : {}),
      ...(rule.campaign_id.trim() ? { campaign_id: int(rule.campaign_id) } : {}),
      points: int(rule.points),
      ...(rule.cap_points.trim() || rule.cap_days.trim()
        ? { cap: { points: int(rule.cap_points), days: int(rule.cap_days) } }
        : {}),
      ...(rule.half_life_days.trim() ? { half_life_days: Number(rule.half_life_days) } : {}),
    })),
  };
}

function useDebounced<T>(value: T, delay: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), delay);
    return () => window.clearTimeout(timer);
  }, [value, delay]);
  return debounced;
}

type PreviewLead = ScoringPreview['mql_sample'][number];

function Preview({ definition }: { definition: ReturnType<typeof definitionOf> }) {
  const body = useDebounced(definition, 400);
  const preview = useQuery({
    queryKey: ['scoring-preview', body],
    queryFn: ({ signal }) =>
      api<ScoringPreview>('/scoring/preview', { method: 'POST', body: { ...body, sample_size: 10 }, signal }),
    placeholderData: keepPreviousData,
    retry: false,
  });
  const sampleColumns: Column<PreviewLead>[] = [
    {
      key: 'lead',
      header: 'Lead',
      cell: (row) => <Link to={`/leads/${row.id}`}>{row.email ?? `Lead ${row.id}`}</Link>,
    },
    { key: 'stage', header: 'Stage', cell: (row) => row.stage.toUpperCase() },
    {
      key: 'score',
      header: 'Score',
      align: 'right',
      cell: (row) => `${row.old_score} → ${row.new_score}`,
    },
    {
      key: 'temperature',
      header: 'Temperature',
      cell: (row) =>
        row.old_temperature === row.new_temperature ? (
          <TemperatureBadge temperature={row.new_temperature} />
        ) : (
          <>
            <TemperatureBadge temperature={row.old_temperature} /> →{' '}
            <TemperatureBadge temperature={row.new_temperature} />
          </>
        ),
    },
    {
      key: 'missing',
      header: 'Missing for hand-off',
      cell: (row) => (row.missing_fields.length > 0 ? row.missing_fields.join(', ') : 'Nothing'),
    },
  ];
  const stale = JSON.stringify(body) !== JSON.stringify(definition) || preview.isFetching;
  return (
    <section className="card preview" aria-labelledby="preview-title" aria-busy={stale}>
      <div className="card-header">
        <h2 id="preview-title">Preview of this draft</h2>
        <span className="muted small">{stale ? 'Updating…' : 'Nothing is saved until you save.'}</span>
      </div>
      {preview.isError ? (
        <FormError error={preview.error} />
      ) : !preview.data ? (
        <LoadingState label="Scoring every lead under the draft" />
      ) : (
        <>
          <div className="kpi-grid">
            <KpiTile
              label="Would become MQL"
              value={<span data-testid="preview-mql">{formatNumber(preview.data.would_become_mql)}</span>}
              detail={`of ${formatNumber(preview.data.leads)} leads`}
            />
            <KpiTile label="Handed to sales at once" value={formatNumber(preview.data.would_be_handed_off)} />
            <KpiTile
              label="Need qualification first"
              value={formatNumber(preview.data.would_need_qualification)}
              to="/qualification"
            />
            <KpiTile
              label="Temperature changes"
              value={formatNumber(preview.data.temperature_changes)}
              detail={`hot ${formatNumber(preview.data.temperature_counts.hot)} · warm ${formatNumber(preview.data.temperature_counts.warm)} · cold ${formatNumber(preview.data.temperature_counts.cold)}`}
            />
          </div>
          {preview.data.temperature_transitions.length > 0 ? (
            <p className="small muted">
              {preview.data.temperature_transitions
                .map((move) => `${formatNumber(move.leads)} ${move.from} → ${move.to}`)
                .join(' · ')}
            </p>
          ) : null}
          {preview.data.mql_sample.length > 0 ? (
            <>
              <h3>Some of the leads that would become MQL</h3>
              <DataTable
                caption="Leads that would become MQL"
                columns={sampleColumns}
                rows={preview.data.mql_sample}
                rowKey={(row) => row.id}
              />
            </>
          ) : null}
        </>
      )}
    </section>
  );
}

function NumberCell({
  label,
  value,
  onChange,
  width = 'narrow',
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  width?: 'narrow' | 'tiny';
}) {
  return (
    <input
      aria-label={label}
      type="number"
      className={`input-${width}`}
      value={value}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}

function ModelEditor({ model, onSaved }: { model: ScoringModel; onSaved: (jobId: number) => void }) {
  const me = useMe();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<ModelDraft>(() => draftOf(model));
  const definition = useMemo(() => definitionOf(draft), [draft]);
  const canSave = me.role === 'admin';

  const save = useMutation({
    mutationFn: () =>
      api<SavedScoringModel>('/scoring/model', {
        method: 'PUT',
        body: { ...definition, version: model.version },
      }),
    onSuccess: (saved) => {
      queryClient.setQueryData(['scoring-model'], saved.model);
      onSaved(saved.job.id);
      notify(`Saved scoring model version ${saved.model.version}; rescoring every lead`);
    },
  });

  const setFit = (key: number, patch: Partial<FitDraft>) =>
    setDraft((current) => ({
      ...current,
      fit: current.fit.map((rule) => (rule.key === key ? { ...rule, ...patch } : rule)),
    }));
  const setEngagement = (key: number, patch: Partial<EngagementDraft>) =>
    setDraft((current) => ({
      ...current,
      engagement: current.engagement.map((rule) => (rule.key === key ? { ...rule, ...patch } : rule)),
    }));

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  return (
    <div className="scoring-layout">
      <form onSubmit={submit} aria-label="Scoring model" className="scoring-form">
        <section className="card" aria-labelledby="thresholds-title">
          <h2 id="thresholds-title">Thresholds</h2>
          <div className="filters">
            <TextField
              label="MQL at score"
              type="number"
              value={draft.mql}
              onChange={(event) => setDraft({ ...draft, mql: event.target.value })}
            />
            <TextField
              label="Warm from"
              type="number"
              value={draft.warm}
              onChange={(event) => setDraft({ ...draft, warm: event.target.value })}
            />
            <TextField
              label="Hot from"
              type="number"
              value={draft.hot}
              onChange={(event) => setDraft({ ...draft, hot: event.target.value })}
            />
          </div>
        </section>
        <section className="card" aria-labelledby="fit-title">
          <div className="card-header">
            <div>
              <h2 id="fit-title">Fit rules</h2>
              <p className="muted small">Who the lead is: any lead or account field.</p>
            </div>
            <button
              type="button"
              className="btn"
              onClick={() =>
                setDraft({
                  ...draft,
                  fit: [...draft.fit, { key: newKey(), name: '', points: '10', ...emptyCondition() }],
                })
              }
            >
              Add fit rule
            </button>
          </div>
          <div className="table-wrap">
            <table className="data-table rule-table">
              <caption className="visually-hidden">Fit rules</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">When</th>
                  <th scope="col" className="align-right">
                    Points
                  </th>
                  <th scope="col">
                    <span className="visually-hidden">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {draft.fit.length === 0 ? (
                  <tr>
                    <td colSpan={4} className="table-empty">
                      No fit rules.
                    </td>
                  </tr>
                ) : (
                  draft.fit.map((rule, index) => {
                    const context = `fit rule ${index + 1}`;
                    return (
                      <tr key={rule.key}>
                        <td>
                          <input
                            aria-label={`Name of ${context}`}
                            value={rule.name}
                            placeholder="VP title"
                            onChange={(event) => setFit(rule.key, { name: event.target.value })}
                          />
                        </td>
                        <td className="condition-cell">
                          <ConditionFields
                            draft={rule}
                            context={context}
                            onChange={(patch) => setFit(rule.key, patch)}
                          />
                        </td>
                        <td className="align-right">
                          <NumberCell
                            label={`Points of ${context}`}
                            value={rule.points}
                            onChange={(points) => setFit(rule.key, { points })}
                          />
                        </td>
                        <td>
                          <button
                            type="button"
                            className="btn btn-small btn-danger-ghost"
                            aria-label={`Remove ${context}`}
                            onClick={() =>
                              setDraft({
                                ...draft,
                                fit: draft.fit.filter((candidate) => candidate.key !== rule.key),
                              })
                            }
                          >
                            Remove
                          </button>
                        </td>
                      </tr>
                    );
                  })
                )}
              </tbody>
            </table>
          </div>
        </section>
        <section className="card" aria-labelledby="engagement-title">
          <div className="card-header">
            <div>
              <h2 id="engagement-title">Engagement rules</h2>
              <p className="muted small">
                What the lead did: touchpoints by type, channel or campaign, with caps and decay.
              </p>
            </div>
            <button
              type="button"
              className="btn"
              onClick={() =>
                setDraft({
                  ...draft,
                  engagement: [
                    ...draft.engagement,
                    {
                      key: newKey(),
                      name: '',
                      type: 'form_fill',
                      channel: '',
                      campaign_id: '',
                      points: '10',
                      cap_points: '',
                      cap_days: '',
                      half_life_days: '',
                    },
                  ],
                })
              }
            >
              Add engagement rule
            </button>
          </div>
          <div className="table-wrap">
            <table className="data-table rule-table">
              <caption className="visually-hidden">Engagement rules</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Touchpoint type</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Campaign id</th>
                  <th scope="col" className="align-right">
                    Points
                  </th>
                  <th scope="col">Cap (points / days)</th>
                  <th scope="col">Half-life (days)</th>
                  <th scope="col">
                    <span className="visually-hidden">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {draft.engagement.length === 0 ? (
                  <tr>
                    <td colSpan={8} className="table-empty">
                      No engagement rules.
                    </td>
                  </tr>
                ) : (
                  draft.engagement.map((rule, index) => {
                    const context = `engagement rule ${index + 1}`;
                    return (
                      <tr key={rule.key}>
                        <td>
                          <input
                            aria-label={`Name of ${context}`}
                            value={rule.name}
                            onChange={(event) => setEngagement(rule.key, { name: event.target.value })}
                          />
                        </td>
                        <td>
                          <select
                            aria-label={`Touchpoint type of ${context}`}
                            value={rule.type}
                            onChange={(event) => setEngagement(rule.key, { type: event.target.value })}
                          >
                            <option value="">Any type</option>
                            {TOUCHPOINT_TYPES.map((type) => (
                              <option key={type} value={type}>
                                {titleCase(type)}
                              </option>
                            ))}
                          </select>
                        </td>
                        <td>
                          <input
                            aria-label={`Channel of ${context}`}
                            className="input-narrow"
                            placeholder="any"
                            value={rule.channel}
                            onChange={(event) => setEngagement(rule.key, { channel: event.target.value })}
                          />
                        </td>
                        <td>
                          <NumberCell
                            label={`Campaign id of ${context}`}
                            width="tiny"
                            value={rule.campaign_id}
                            onChange={(campaign_id) => setEngagement(rule.key, { campaign_id })}
                          />
                        </td>
                        <td className="align-right">
                          <NumberCell
                            label={`Points of ${context}`}
                            value={rule.points}
                            onChange={(points) => setEngagement(rule.key, { points })}
                          />
                        </td>
                        <td>
                          <span className="range-inputs">
                            <NumberCell
                              label={`Cap points of ${context}`}
                              width="tiny"
                              value={rule.cap_points}
                              onChange={(cap_points) => setEngagement(rule.key, { cap_points })}
                            />
                            <NumberCell
                              label={`Cap days of ${context}`}
                              width="tiny"
                              value={rule.cap_days}
                              onChange={(cap_days) => setEngagement(rule.key, { cap_days })}
                            />
                          </span>
                        </td>
                        <td>
                          <NumberCell
                            label={`Half-life in days of ${context}`}
                            width="tiny"
                            value={rule.half_life_days}
                            onChange={(half_life_days) => setEngagement(rule.key, { half_life_days })}
                          />
                        </td>
                        <td>
                          <button
                            type="button"
                            className="btn btn-small btn-danger-ghost"
                            aria-label={`Remove ${context}`}
                            onClick={() =>
                              setDraft({
                                ...draft,
                                engagement: draft.engagement.filter(
                                  (candidate) => candidate.key !== rule.key,
                                ),
                              })
                            }
                          >
                            Remove
                          </button>
                        </td>
                      </tr>
                    );
                  })
                )}
              </tbody>
            </table>
          </div>
        </section>
        {save.isError ? <FormError error={save.error} /> : null}
        <div className="button-row sticky-actions">
          {canSave ? (
            <button type="submit" className="btn btn-primary" disabled={save.isPending}>
              Save and rescore
            </button>
          ) : (
            <span className="muted small">Only admins save the model; you can try drafts here.</span>
          )}
          <button type="button" className="btn" onClick={() => setDraft(draftOf(model))}>
            Discard changes
          </button>
        </div>
      </form>
      <Preview definition={definition} />
    </div>
  );
}

export default function ScoringPage() {
  usePageTitle('Scoring');
  const model = useQuery({ queryKey: ['scoring-model'], queryFn: () => api<ScoringModel>('/scoring/model') });
  // The editor starts afresh from each saved version; the rescoring job outlives it.
  const [jobId, setJobId] = useState<number | null>(null);
  return (
    <>
      <PageHeader
        title="Scoring"
        description={
          model.data
            ? `Version ${model.data.version}${model.data.updated_at ? `, saved ${formatDateTime(model.data.updated_at)}` : ' (the default; never saved)'}. Score = fit + engagement.`
            : 'Score = fit + engagement.'
        }
      />
      {model.isPending ? (
        <LoadingState label="Loading the scoring model" />
      ) : model.isError ? (
        <ErrorState
          error={model.error}
          title="Could not load the scoring model"
          retry={() => void model.refetch()}
        />
      ) : (
        <>
          {jobId !== null ? <JobProgress jobId={jobId} /> : null}
          <ModelEditor key={model.data.version} model={model.data} onSaved={setJobId} />
        </>
      )}
    </>
  );
}
