import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../../api/client.ts';
import { useTeams, useUsers } from '../../api/hooks.ts';
import type { RoutingRule } from '../../api/types.ts';
import { useMe } from '../../app/auth.tsx';
import { CheckboxField, SelectField, TextField } from '../../components/Form.tsx';
import { useNotify } from '../../components/Notice.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { EmptyState, ErrorState, FormError, LoadingState } from '../../components/States.tsx';
import {
  type ConditionDraft,
  ConditionFields,
  conditionDraft,
  conditionValue,
  emptyCondition,
} from '../../features/conditions.tsx';

let nextKey = 1;

interface RuleDraft {
  key: number;
  id?: number;
  name: string;
  kind: 'match' | 'account_owner';
  conditions: (ConditionDraft & { key: number })[];
  target: 'team' | 'user';
  team_id: string;
  user_id: string;
  weights: Record<string, string>;
  active: boolean;
}

function draftOf(rule: RoutingRule): RuleDraft {
  return {
    key: nextKey++,
    id: rule.id,
    name: rule.name,
    kind: rule.kind,
    conditions: rule.conditions.map((condition) => ({ key: nextKey++, ...conditionDraft(condition) })),
    target: rule.user_id !== null ? 'user' : 'team',
    team_id: rule.team_id === null ? '' : String(rule.team_id),
    user_id: rule.user_id === null ? '' : String(rule.user_id),
    weights: Object.fromEntries(
      rule.weights.map((weight) => [String(weight.user_id), String(weight.weight)]),
    ),
    active: rule.active,
  };
}

function bodyOf(rules: RuleDraft[]) {
  return {
    rules: rules.map((rule) => ({
      ...(rule.id ? { id: rule.id } : {}),
      name: rule.name.trim(),
      kind: rule.kind,
      conditions: rule.conditions.map((condition) => {
        const value = conditionValue(condition);
        return {
          field: condition.field.trim(),
          operator: condition.operator,
          ...(value !== undefined ? { value } : {}),
        };
      }),
      team_id: rule.kind === 'match' && rule.target === 'team' && rule.team_id ? Number(rule.team_id) : null,
      user_id: rule.kind === 'match' && rule.target === 'user' && rule.user_id ? Number(rule.user_id) : null,
      weights:
        rule.kind === 'match' && rule.target === 'team'
          ? Object.entries(rule.weights)
              .filter(([, weight]) => weight.trim() !== '' && weight !== '1')
              .map(([user_id, weight]) => ({ user_id: Number(user_id), weight: Number(weight) }))
          : [],
      active: rule.active,
    })),
  };
}

function RuleCard({
  rule,
  index,
  count,
  onChange,
  onMove,
  onRemove,
}: {
  rule: RuleDraft;
  index: number;
  count: number;
  onChange: (patch: Partial<RuleDraft>) => void;
  onMove: (offset: number) => void;
  onRemove: () => void;
}) {
  const teams = useTeams();
  const users = useUsers();
  const context = `rule ${index + 1}`;
  const members = (users.data ?? []).filter((user) => String(user.team_id) === rule.team_id);
  return (
    <li className="card routing-rule">
      <div className="card-header">
        <h2>
          {index + 1}. {rule.name || 'New rule'}
        </h2>
        <div className="button-row">
          <button
            type="button"
            className="btn btn-small"
            disabled={index === 0}
            onClick={() => onMove(-1)}
            aria-label={`Move ${context} up`}
          >
            ↑
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={index === count - 1}
            onClick={() => onMove(1)}
            aria-label={`Move ${context} down`}
          >
            ↓
          </button>
          <button
            type="button"
            className="btn btn-small btn-danger-ghost"
            onClick={onRemove}
            aria-label={`Remove ${context}`}
          >
            Remove
          </button>
        </div>
      </div>
      <div className="filters">
        <TextField
          label={`Name of ${context}`}
          value={rule.name}
          onChange={(event) => onChange({ name: event.target.value })}
        />
        <SelectField
          label={`Kind of ${context}`}
          value={rule.kind}
          onChange={(event) => onChange({ kind: event.target.value as RuleDraft['kind'] })}
          options={[
            { value: 'match', label: 'Leads that match go to a team or user' },
            { value: 'account_owner', label: 'Leads of a known account go to its owner' },
          ]}
        />
        {rule.kind === 'match' ? (
          <>
            <SelectField
              label={`Target of ${context}`}
              value={rule.target}
              onChange={(event) => onChange({ target: event.target.value as RuleDraft['target'] })}
              options={[
                { value: 'team', label: 'Round robin in a team' },
                { value: 'user', label: 'One user' },
              ]}
            />
            {rule.target === 'team' ? (
              <SelectField
                label={`Team of ${context}`}
                placeholder="Choose a team"
                value={rule.team_id}
                onChange={(event) => onChange({ team_id: event.target.value })}
                options={(teams.data ?? []).map((team) => ({ value: String(team.id), label: team.name }))}
              />
            ) : (
              <SelectField
                label={`User of ${context}`}
                placeholder="Choose a user"
                value={rule.user_id}
                onChange={(event) => onChange({ user_id: event.target.value })}
                options={(users.data ?? [])
                  .filter((user) => user.role === 'sales' || user.role === 'sdr')
                  .map((user) => ({ value: String(user.id), label: user.name }))}
              />
            )}
          </>
        ) : null}
        <CheckboxField
          label="Active"
          checked={rule.active}
          onChange={(event) => onChange({ active: event.target.checked })}
        />
      </div>
      <h3>
        Conditions{' '}
        {rule.conditions.length === 0 ? (
          <span className="muted small">(none: every lead matches)</span>
        ) : null}
      </h3>
      <ul className="plain-list">
        {rule.conditions.map((condition, position) => (
          <li key={condition.key} className="condition-cell">
            <ConditionFields
              draft={condition}
              context={`condition ${position + 1} of ${context}`}
              onChange={(patch) =>
                onChange({
                  conditions: rule.conditions.map((candidate) =>
                    candidate.key === condition.key ? { ...candidate, ...patch } : candidate,
                  ),
                })
              }
            />
            <button
              type="button"
              className="btn btn-small btn-ghost"
              aria-label={`Remove condition ${position + 1} of ${context}`}
              onClick={() =>
                onChange({
                  conditions: rule.conditions.filter((candidate) => candidate.key !== condition.key),
                })
              }
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <button
        type="button"
        className="btn btn-small"
        onClick={() =>
          onChange({
            conditions: [
              ...rule.conditions,
              { key: nextKey++, ...emptyCondition(), field: 'country', operator: 'in' },
            ],
          })
        }
      >
        Add condition
      </button>
      {rule.kind === 'match' && rule.target === 'team' && members.length > 0 ? (
        <details className="weights">
          <summary>Round-robin weights</summary>
          <p className="muted small">Default 1 each; 0 leaves a member out; 2 gets twice the leads.</p>
          <div className="filters">
            {members.map((member) => (
              <TextField
                key={member.id}
                label={`${member.name} (${member.status})`}
                type="number"
                min={0}
                max={100}
                placeholder="1"
                value={rule.weights[String(member.id)] ?? ''}
                onChange={(event) =>
                  onChange({ weights: { ...rule.weights, [String(member.id)]: event.target.value } })
                }
              />
            ))}
          </div>
        </details>
      ) : null}
    </li>
  );
}

function RulesEditor({ initial }: { initial: RoutingRule[] }) {
  const me = useMe();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [rules, setRules] = useState<RuleDraft[]>(() => initial.map(draftOf));
  const save = useMutation({
    mutationFn: () => api<{ rules: RoutingRule[] }>('/routing/rules', { method: 'PUT', body: bodyOf(rules) }),
    onSuccess: (saved) => {
      queryClient.setQueryData(['routing-rules'], saved);
      notify('Saved the routing rules');
    },
  });
  const update = (key: number, patch: Partial<RuleDraft>) =>
    setRules((current) => current.map((rule) => (rule.key === key ? { ...rule, ...patch } : rule)));
  const move = (index: number, offset: number) =>
    setRules((current) => {
      const next = [...current];
      const [rule] = next.splice(index, 1);
      if (rule) next.splice(index + offset, 0, rule);
      return next;
    });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  return (
    <form onSubmit={submit} aria-label="Routing rules">
      {rules.length === 0 ? (
        <EmptyState title="No routing rules">
          <p>Without rules, MQLs stay unassigned until someone picks them up.</p>
        </EmptyState>
      ) : (
        <ol className="plain-list">
          {rules.map((rule, index) => (
            <RuleCard
              key={rule.key}
              rule={rule}
              index={index}
              count={rules.length}
              onChange={(patch) => update(rule.key, patch)}
              onMove={(offset) => move(index, offset)}
              onRemove={() => setRules(rules.filter((candidate) => candidate.key !== rule.key))}
            />
          ))}
        </ol>
      )}
      {save.isError ? <FormError error={save.error} /> : null}
      <div className="button-row sticky-actions">
        <button
          type="button"
          className="btn"
          onClick={() =>
            setRules([
              ...rules,
              {
                key: nextKey++,
                name: '',
                kind: 'match',
                conditions: [],
                target: 'team',
                team_id: '',
                user_id: '',
                weights: {},
                active: true,
              },
            ])
          }
        >
          Add rule
        </button>
        {me.role === 'admin' ? (
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            Save rules
          </button>
        ) : null}
      </div>
    </form>
  );
}

export default function RoutingPage() {
  usePageTitle('Routing');
  const rules = useQuery({
    queryKey: ['routing-rules'],
    queryFn: () => api<{ rules: RoutingRule[] }>('/routing/rules'),
  });
  return (
    <>
      <PageHeader
        title="Routing"
        description="Rules tried in order when a lead becomes MQL: territory and segment matches, account owners, then round robin within a team (skipping people who are away, inactive or at capacity)."
      />
      {rules.isPending ? (
        <LoadingState label="Loading the routing rules" />
      ) : rules.isError ? (
        <ErrorState
          error={rules.error}
          title="Could not load the routing rules"
          retry={() => void rules.refetch()}
        />
      ) : (
        <RulesEditor key={rules.data.rules.map((rule) => rule.id).join('|')} initial={rules.data.rules} />
      )}
    </>
  );
}
