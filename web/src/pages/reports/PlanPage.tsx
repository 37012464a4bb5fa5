import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, type Page } from '../../api/client.ts';
import type { Goal, PlanResult, PlanSummary, RateName } from '../../api/types.ts';
import { useMe } from '../../app/auth.tsx';
import { SelectField, TextField } from '../../components/Form.tsx';
import { KpiTile } from '../../components/KpiTile.tsx';
import { useNotify } from '../../components/Notice.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { PeriodField } from '../../components/PeriodField.tsx';
import { EmptyState, FormError, LoadingState } from '../../components/States.tsx';
import {
  PlanChannels,
  PlanNotes,
  PlanPhasing,
  PlanWaterfall,
  RATE_LABELS,
  RATE_ORDER,
} from '../../features/plan.tsx';
import { formatDate, formatMoney, formatNumber, formatPercent } from '../../lib/format.ts';
import { currentQuarter, periodLabel } from '../../lib/periods.ts';
import { useUrlFilters } from '../../lib/url-state.ts';

const INPUT_KEYS = [
  'goal_id',
  'revenue',
  'period',
  'marketing_share',
  'average_deal_size',
  'win_rate',
  'sql_to_opportunity',
  'sal_to_sql',
  'mql_to_sal',
  'lead_to_mql',
  'history_from',
  'history_to',
] as const;
type InputKey = (typeof INPUT_KEYS)[number];
type Inputs = Record<InputKey, string>;

const PLAN_SAVERS = ['admin', 'executive', 'marketing'];

function percentToRate(value: string): number | undefined {
  if (value.trim() === '') return undefined;
  return Number(value) / 100;
}

/** The request body for the inputs, or null while the plan cannot be computed yet. */
function planBody(inputs: Inputs): Record<string, unknown> | null {
  const revenue = Number(inputs.revenue);
  const period = inputs.period || currentQuarter();
  if (!inputs.goal_id && !(revenue > 0)) return null;
  const rates: Partial<Record<RateName, number>> = {};
  for (const name of RATE_ORDER) {
    const rate = percentToRate(inputs[name]);
    if (rate !== undefined) rates[name] = rate;
  }
  return {
    ...(inputs.goal_id ? { goal_id: Number(inputs.goal_id) } : { revenue, period }),
    ...(inputs.marketing_share !== '' ? { marketing_share: Number(inputs.marketing_share) / 100 } : {}),
    ...(inputs.average_deal_size !== '' ? { average_deal_size: Number(inputs.average_deal_size) } : {}),
    ...(Object.keys(rates).length > 0 ? { rates } : {}),
    ...(inputs.history_from ? { history_from: inputs.history_from } : {}),
    ...(inputs.history_to ? { history_to: inputs.history_to } : {}),
  };
}

function SavePlan({ body, plan }: { body: Record<string, unknown>; plan: PlanResult }) {
  const navigate = useNavigate();
  const notify = useNotify();
  const [name, setName] = useState('');
  const save = useMutation({
    mutationFn: () =>
      api<PlanResult>('/plans', {
        method: 'POST',
        body: { ...body, save: true, name: name.trim() || `Plan ${periodLabel(plan.period)}` },
      }),
    onSuccess: (saved) => {
      notify(`Saved ${saved.name ?? 'the plan'}`);
      if (saved.id !== null) navigate(`/plans/${saved.id}`);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  return (
    <form className="card save-plan" onSubmit={submit} aria-label="Save this plan">
      <TextField
        label="Plan name"
        placeholder={`Plan ${periodLabel(plan.period)}`}
        maxLength={200}
        value={name}
        onChange={(event) => setName(event.target.value)}
      />
      <button type="submit" className="btn btn-primary" disabled={save.isPending}>
        Save plan
      </button>
      <span className="muted small">A saved plan is tracked against actuals, week by week.</span>
      {save.isError ? <FormError error={save.error} /> : null}
    </form>
  );
}

export default function PlanPage() {
  usePageTitle('Plan');
  const me = useMe();
  const filters = useUrlFilters(INPUT_KEYS);
  const url = filters.values;
  const setUrl = filters.set;
  // An empty period is the current quarter; it is written to the address only when chosen.
  const [draft, setDraft] = useState<Inputs>(() => ({ ...url }));

  // Typing updates the address (without a history entry per key) after a short pause; the
  // plan follows the address, so a shared link shows the same plan.
  useEffect(() => {
    const timer = window.setTimeout(() => {
      const patch: Partial<Inputs> = {};
      for (const key of INPUT_KEYS) if (draft[key] !== url[key]) patch[key] = draft[key];
      if (Object.keys(patch).length > 0) setUrl(patch, { replace: true });
    }, 300);
    return () => window.clearTimeout(timer);
  }, [draft, url, setUrl]);

  // Back and forward bring their inputs back into the form.
  useEffect(() => {
    setDraft((current) =>
      INPUT_KEYS.some((key) => key !== 'period' && url[key] !== current[key]) ||
      (url.period && url.period !== current.period)
        ? { ...url, period: url.period || current.period }
        : current,
    );
  }, [url]);

  const goals = useQuery({
    queryKey: ['goals', 'all'],
    queryFn: async () => (await api<Page<Goal>>('/goals', { query: { limit: 100 } })).items,
  });

  const body = useMemo(() => planBody(url), [url]);
  const plan = useQuery({
    queryKey: ['plan-preview', body],
    queryFn: ({ signal }) =>
      api<PlanResult>('/plans', { method: 'POST', body: { ...body, save: false }, signal }),
    enabled: body !== null,
    placeholderData: keepPreviousData,
    retry: false,
  });
  const saved = useQuery({
    queryKey: ['plans', 'recent'],
    queryFn: async () => (await api<Page<PlanSummary>>('/plans', { query: { limit: 5 } })).items,
  });

  const set = (patch: Partial<Inputs>) => setDraft((current) => ({ ...current, ...patch }));
  const historyRate = (name: RateName) => plan.data?.rates.find((rate) => rate.name === name);
  const data = plan.data;
  const pending = body !== null && JSON.stringify(planBody(draft)) !== JSON.stringify(body);

  return (
    <>
      <PageHeader
        title="Plan"
        description="Work a revenue goal back into the deals, opportunities, SQLs, SALs, MQLs and leads it takes, and the budget by channel."
        actions={
          <Link className="btn" to="/plans">
            Saved plans
          </Link>
        }
      />
      <div className="planner">
        <form
          className="card planner-inputs"
          aria-label="Plan inputs"
          onSubmit={(event) => event.preventDefault()}
        >
          <h2>Goal</h2>
          {goals.data && goals.data.length > 0 ? (
            <SelectField
              label="Start from a goal"
              placeholder="No goal (type the revenue)"
              value={draft.goal_id}
              onChange={(event) => {
                const goal = goals.data.find((candidate) => String(candidate.id) === event.target.value);
                set(
                  goal
                    ? {
                        goal_id: String(goal.id),
                        revenue: String(goal.revenue),
                        period: goal.period,
                        marketing_share: String(Math.round(goal.marketing_share * 1000) / 10),
                      }
                    : { goal_id: '' },
                );
              }}
              options={goals.data.map((goal) => ({
                value: String(goal.id),
                label: `${periodLabel(goal.period)}: ${formatMoney(goal.revenue, { compact: true })}${goal.segment ? ` (${goal.segment})` : ''}`,
              }))}
            />
          ) : null}
          <TextField
            label="Revenue goal (USD)"
            type="number"
            min={1}
            step="any"
            required
            value={draft.revenue}
            onChange={(event) => set({ revenue: event.target.value, goal_id: '' })}
          />
          <PeriodField
            value={draft.period || currentQuarter()}
            onChange={(period) => set({ period, goal_id: '' })}
          />
          <TextField
            label="Marketing-sourced share (%)"
            type="number"
            min={0}
            max={100}
            step="any"
            placeholder="45"
            value={draft.marketing_share}
            onChange={(event) => set({ marketing_share: event.target.value })}
          />
          <h2>Rates</h2>
          <p className="muted small">Empty fields use the workspace's history.</p>
          <TextField
            label="Average won deal (USD)"
            type="number"
            min={1}
            step="any"
            placeholder={data ? String(Math.round(data.average_deal_size)) : ''}
            value={draft.average_deal_size}
            onChange={(event) => set({ average_deal_size: event.target.value })}
          />
          {[...RATE_ORDER].reverse().map((name) => {
            const rate = historyRate(name);
            return (
              <TextField
                key={name}
                label={`${RATE_LABELS[name]} (%)`}
                type="number"
                min={0.1}
                max={100}
                step="any"
                placeholder={rate ? (Math.round(rate.value * 1000) / 10).toString() : ''}
                hint={
                  rate && draft[name] === ''
                    ? `${rate.source === 'assumed' ? 'Assumed' : 'History'}: ${formatPercent(rate.value)}`
                    : undefined
                }
                value={draft[name]}
                onChange={(event) => set({ [name]: event.target.value })}
              />
            );
          })}
          <details>
            <summary>History window</summary>
            <TextField
              label="History from"
              type="date"
              value={draft.history_from}
              onChange={(event) => set({ history_from: event.target.value })}
            />
            <TextField
              label="History to (exclusive)"
              type="date"
              value={draft.history_to}
              onChange={(event) => set({ history_to: event.target.value })}
            />
          </details>
        </form>
        <div className="planner-results" aria-live="polite" aria-busy={plan.isFetching || pending}>
          {body === null ? (
            <EmptyState title="Enter a revenue goal and a period">
              <p>The plan appears here and follows every change you make.</p>
            </EmptyState>
          ) : plan.isError ? (
            <FormError error={plan.error} />
          ) : !data ? (
            <LoadingState label="Working the goal back" />
          ) : (
            <>
              <section className="kpi-grid" aria-label="Plan summary">
                <KpiTile
                  label="Revenue goal"
                  value={formatMoney(data.revenue, { compact: true })}
                  detail={periodLabel(data.period)}
                />
                <KpiTile
                  label="Won deals"
                  value={
                    <span data-testid="plan-deals">
                      {formatNumber(data.steps.find((step) => step.stage === 'deals')?.count)}
                    </span>
                  }
                  detail={`at ${formatMoney(data.average_deal_size)}`}
                />
                <KpiTile
                  label="Opportunities"
                  value={
                    <span data-testid="plan-opportunities">
                      {formatNumber(data.steps.find((step) => step.stage === 'opportunities')?.count)}
                    </span>
                  }
                  detail={`win rate ${formatPercent(data.win_rate)}`}
                />
                <KpiTile
                  label="Leads"
                  value={
                    <span data-testid="plan-leads">
                      {formatNumber(data.steps.find((step) => step.stage === 'leads')?.count)}
                    </span>
                  }
                  detail={`${formatPercent(data.marketing_share)} marketing-sourced`}
                />
                <KpiTile
                  label="Marketing budget"
                  value={formatMoney(data.marketing_budget, { compact: true })}
                />
              </section>
              <PlanWaterfall plan={data} filename={`tandem-plan-${data.period}`} />
              {data.channels.length > 0 ? (
                <PlanChannels plan={data} filename={`tandem-plan-channels-${data.period}`} />
              ) : null}
              <PlanPhasing plan={data} filename={`tandem-plan-months-${data.period}`} />
              <PlanNotes plan={data} />
              {PLAN_SAVERS.includes(me.role) && body ? <SavePlan body={body} plan={data} /> : null}
            </>
          )}
          {saved.data && saved.data.length > 0 ? (
            <section className="card" aria-labelledby="recent-plans">
              <h2 id="recent-plans">Recently saved plans</h2>
              <ul className="plain-list">
                {saved.data.map((summary) => (
                  <li key={summary.id}>
                    <Link to={`/plans/${summary.id}`}>{summary.name}</Link>{' '}
                    <span className="muted small">
                      {periodLabel(summary.period)} · {formatMoney(summary.revenue, { compact: true })} ·
                      saved {formatDate(summary.created_at)}
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </div>
      </div>
    </>
  );
}
