import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../../api/client.ts';
import type { SlaCalendar, SlaCommitment, SlaPolicy } from '../../api/types.ts';
import { useMe } from '../../app/auth.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { CheckboxField, SelectField, TextAreaField, TextField } from '../../components/Form.tsx';
import { useNotify } from '../../components/Notice.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { PeriodField } from '../../components/PeriodField.tsx';
import { ErrorState, FormError, LoadingState } from '../../components/States.tsx';
import { DASH, formatDuration, formatNumber, formatPercent, titleCase } from '../../lib/format.ts';
import { currentQuarter, periodLabel } from '../../lib/periods.ts';

const minutes = (value: number | null) => (value === null ? DASH : formatDuration(value * 60_000));
const toNumberOrNull = (text: string) => (text.trim() === '' ? null : Number(text));
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

// ---------------------------------------------------------------- policies

interface PolicyDraft {
  name: string;
  position: string;
  active: boolean;
  temperatures: string[];
  sources: string;
  min_employees: string;
  max_employees: string;
  min_score: string;
  accept_within_minutes: string;
  first_activity_within_minutes: string;
  attempts_required: string;
  attempts_within_days: string;
  warn_before_minutes: string;
  escalate: boolean;
  breach_action: SlaPolicy['breach_action'];
  action_delay_minutes: string;
  leakage_days: string;
  clock: SlaPolicy['clock'];
  calendar_id: string;
}

const text = (value: number | null | undefined) =>
  value === null || value === undefined ? '' : String(value);

function policyDraft(policy: SlaPolicy | null): PolicyDraft {
  return {
    name: policy?.name ?? '',
    position: text(policy?.position ?? 0),
    active: policy?.active ?? true,
    temperatures: policy?.match.temperatures ?? [],
    sources: policy?.match.sources.join(', ') ?? '',
    min_employees: text(policy?.match.min_employees),
    max_employees: text(policy?.match.max_employees),
    min_score: text(policy?.match.min_score),
    accept_within_minutes: text(policy ? policy.accept_within_minutes : 60),
    first_activity_within_minutes: text(policy ? policy.first_activity_within_minutes : 240),
    attempts_required: text(policy?.attempts_required),
    attempts_within_days: text(policy?.attempts_within_days),
    warn_before_minutes: text(policy ? policy.warn_before_minutes : 15),
    escalate: policy?.escalate ?? true,
    breach_action: policy?.breach_action ?? 'reassign',
    action_delay_minutes: text(policy?.action_delay_minutes ?? 0),
    leakage_days: text(policy?.leakage_days),
    clock: policy?.clock ?? 'wall',
    calendar_id: text(policy?.calendar_id),
  };
}

function policyBody(draft: PolicyDraft) {
  return {
    name: draft.name.trim(),
    position: Number(draft.position || 0),
    active: draft.active,
    match: {
      temperatures: draft.temperatures,
      sources: draft.sources
        .split(',')
        .map((source) => source.trim())
        .filter(Boolean),
      min_employees: toNumberOrNull(draft.min_employees),
      max_employees: toNumberOrNull(draft.max_employees),
      min_score: toNumberOrNull(draft.min_score),
    },
    accept_within_minutes: toNumberOrNull(draft.accept_within_minutes),
    first_activity_within_minutes: toNumberOrNull(draft.first_activity_within_minutes),
    attempts_required: toNumberOrNull(draft.attempts_required),
    attempts_within_days: toNumberOrNull(draft.attempts_within_days),
    warn_before_minutes: toNumberOrNull(draft.warn_before_minutes),
    escalate: draft.escalate,
    breach_action: draft.breach_action,
    action_delay_minutes: Number(draft.action_delay_minutes || 0),
    leakage_days: toNumberOrNull(draft.leakage_days),
    clock: draft.clock,
    calendar_id: draft.clock === 'business' ? toNumberOrNull(draft.calendar_id) : null,
  };
}

function PolicyForm({
  policy,
  calendars,
  onDone,
}: {
  policy: SlaPolicy | null;
  calendars: SlaCalendar[];
  onDone: () => void;
}) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [draft, setDraft] = useState(() => policyDraft(policy));
  const set = (patch: Partial<PolicyDraft>) => setDraft((current) => ({ ...current, ...patch }));
  const save = useMutation({
    mutationFn: () =>
      policy
        ? api<SlaPolicy>(`/sla/policies/${policy.id}`, { method: 'PATCH', body: policyBody(draft) })
        : api<SlaPolicy>('/sla/policies', { method: 'POST', body: policyBody(draft) }),
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ['sla-policies'] });
      notify(`Saved the policy ${saved.name}`);
      onDone();
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  return (
    <form onSubmit={submit} className="form-grid">
      <TextField
        label="Name"
        required
        value={draft.name}
        onChange={(event) => set({ name: event.target.value })}
      />
      <TextField
        label="Order (lower first)"
        type="number"
        min={0}
        value={draft.position}
        onChange={(event) => set({ position: event.target.value })}
      />
      <fieldset className="form-grid-full checkbox-group">
        <legend>Covers temperatures (none: all)</legend>
        {(['hot', 'warm', 'cold'] as const).map((temperature) => (
          <CheckboxField
            key={temperature}
            label={titleCase(temperature)}
            checked={draft.temperatures.includes(temperature)}
            onChange={(event) =>
              set({
                temperatures: event.target.checked
                  ? [...draft.temperatures, temperature]
                  : draft.temperatures.filter((value) => value !== temperature),
              })
            }
          />
        ))}
      </fieldset>
      <TextField
        label="Covers sources (comma-separated; empty: all)"
        value={draft.sources}
        onChange={(event) => set({ sources: event.target.value })}
      />
      <TextField
        label="Lowest score"
        type="number"
        value={draft.min_score}
        onChange={(event) => set({ min_score: event.target.value })}
      />
      <TextField
        label="Smallest company (employees)"
        type="number"
        min={0}
        value={draft.min_employees}
        onChange={(event) => set({ min_employees: event.target.value })}
      />
      <TextField
        label="Largest company (employees)"
        type="number"
        min={0}
        value={draft.max_employees}
        onChange={(event) => set({ max_employees: event.target.value })}
      />
      <TextField
        label="Accept within (minutes)"
        type="number"
        min={1}
        value={draft.accept_within_minutes}
        onChange={(event) => set({ accept_within_minutes: event.target.value })}
        hint="60 = an hour, 1440 = a day; empty: no target"
      />
      <TextField
        label="First activity within (minutes)"
        type="number"
        min={1}
        value={draft.first_activity_within_minutes}
        onChange={(event) => set({ first_activity_within_minutes: event.target.value })}
      />
      <TextField
        label="Attempts required"
        type="number"
        min={1}
        value={draft.attempts_required}
        onChange={(event) => set({ attempts_required: event.target.value })}
      />
      <TextField
        label="… within (days)"
        type="number"
        min={1}
        value={draft.attempts_within_days}
        onChange={(event) => set({ attempts_within_days: event.target.value })}
      />
      <TextField
        label="Warn before each deadline (minutes)"
        type="number"
        min={1}
        value={draft.warn_before_minutes}
        onChange={(event) => set({ warn_before_minutes: event.target.value })}
      />
      <TextField
        label="Leakage after (days without activity)"
        type="number"
        min={1}
        value={draft.leakage_days}
        onChange={(event) => set({ leakage_days: event.target.value })}
      />
      <SelectField
        label="After a breach"
        value={draft.breach_action}
        onChange={(event) => set({ breach_action: event.target.value as PolicyDraft['breach_action'] })}
        options={[
          { value: 'reassign', label: 'Reassign the lead' },
          { value: 'recycle', label: 'Recycle the lead to marketing' },
          { value: 'none', label: 'Nothing (report only)' },
        ]}
      />
      <TextField
        label="… after (minutes)"
        type="number"
        min={0}
        value={draft.action_delay_minutes}
        onChange={(event) => set({ action_delay_minutes: event.target.value })}
      />
      <SelectField
        label="Clock"
        value={draft.clock}
        onChange={(event) => set({ clock: event.target.value as PolicyDraft['clock'] })}
        options={[
          { value: 'wall', label: 'Wall-clock time' },
          { value: 'business', label: 'Business hours' },
        ]}
      />
      {draft.clock === 'business' ? (
        <SelectField
          label="Business calendar"
          placeholder="Choose a calendar"
          value={draft.calendar_id}
          onChange={(event) => set({ calendar_id: event.target.value })}
          options={calendars.map((calendar) => ({ value: String(calendar.id), label: calendar.name }))}
        />
      ) : null}
      <CheckboxField
        label="Escalate to the owner's manager at the first breach"
        checked={draft.escalate}
        onChange={(event) => set({ escalate: event.target.checked })}
      />
      <CheckboxField
        label="Active"
        checked={draft.active}
        onChange={(event) => set({ active: event.target.checked })}
      />
      {save.isError ? <FormError error={save.error} /> : null}
      <div className="button-row form-grid-full">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          Save policy
        </button>
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------- calendars

function CalendarForm({ calendar, onDone }: { calendar: SlaCalendar | null; onDone: () => void }) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [name, setName] = useState(calendar?.name ?? '');
  const [timeZone, setTimeZone] = useState(
    calendar?.time_zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
  );
  const [days, setDays] = useState<number[]>(calendar?.working_days ?? [1, 2, 3, 4, 5]);
  const [start, setStart] = useState(calendar?.start ?? '09:00');
  const [end, setEnd] = useState(calendar?.end ?? '17:00');
  const [holidays, setHolidays] = useState(calendar?.holidays.join('\n') ?? '');
  const [isDefault, setIsDefault] = useState(calendar?.is_default ?? false);
  const save = useMutation({
    mutationFn: () => {
      const body = {
        name: name.trim(),
        time_zone: timeZone.trim(),
        working_days: [...days].sort(),
        start,
        end,
        holidays: holidays
          .split(/[\s,]+/)
          .map((day) => day.trim())
          .filter(Boolean),
        is_default: isDefault,
      };
      return calendar
        ? api<SlaCalendar>(`/sla/calendars/${calendar.id}`, { method: 'PATCH', body })
        : api<SlaCalendar>('/sla/calendars', { method: 'POST', body });
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ['sla-calendars'] });
      notify(`Saved the calendar ${saved.name}`);
      onDone();
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  return (
    <form onSubmit={submit} className="form-grid">
      <TextField label="Name" required value={name} onChange={(event) => setName(event.target.value)} />
      <TextField
        label="Time zone"
        required
        value={timeZone}
        onChange={(event) => setTimeZone(event.target.value)}
        hint="IANA name, e.g. Europe/Berlin"
      />
      <fieldset className="form-grid-full checkbox-group">
        <legend>Working days</legend>
        {WEEKDAYS.map((label, index) => (
          <CheckboxField
            key={label}
            label={label}
            checked={days.includes(index + 1)}
            onChange={(event) =>
              setDays(event.target.checked ? [...days, index + 1] : days.filter((day) => day !== index + 1))
            }
          />
        ))}
      </fieldset>
      <TextField
        label="Day starts"
        type="time"
        required
        value={start}
        onChange={(event) => setStart(event.target.value)}
      />
      <TextField
        label="Day ends"
        type="time"
        required
        value={end}
        onChange={(event) => setEnd(event.target.value)}
      />
      <TextAreaField
        label="Holidays (YYYY-MM-DD, one per line)"
        className="form-grid-full"
        rows={4}
        value={holidays}
        onChange={(event) => setHolidays(event.target.value)}
      />
      <CheckboxField
        label="Default calendar for reports"
        checked={isDefault}
        onChange={(event) => setIsDefault(event.target.checked)}
      />
      {save.isError ? <FormError error={save.error} /> : null}
      <div className="button-row form-grid-full">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          Save calendar
        </button>
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------- commitments

function CommitmentForm({ commitment, onDone }: { commitment: SlaCommitment | null; onDone: () => void }) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [period, setPeriod] = useState(commitment?.period ?? currentQuarter());
  const [volume, setVolume] = useState(text(commitment?.mql_volume));
  const [rate, setRate] = useState(
    commitment ? String(Math.round(commitment.min_acceptance_rate * 1000) / 10) : '70',
  );
  const [notes, setNotes] = useState(commitment?.notes ?? '');
  const save = useMutation({
    mutationFn: () => {
      const body = {
        mql_volume: Number(volume),
        min_acceptance_rate: Number(rate) / 100,
        notes: notes.trim() || null,
      };
      return commitment
        ? api<SlaCommitment>(`/sla/commitments/${commitment.id}`, { method: 'PATCH', body })
        : api<SlaCommitment>('/sla/commitments', { method: 'POST', body: { ...body, period } });
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ['sla-commitments'] });
      notify(`Saved marketing's commitment for ${periodLabel(saved.period)}`);
      onDone();
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  return (
    <form onSubmit={submit} className="form-grid">
      {commitment ? (
        <p className="form-grid-full">Period: {periodLabel(commitment.period)}</p>
      ) : (
        <PeriodField value={period} onChange={setPeriod} />
      )}
      <TextField
        label="MQLs committed"
        type="number"
        min={0}
        required
        value={volume}
        onChange={(event) => setVolume(event.target.value)}
      />
      <TextField
        label="Minimum acceptance rate (%)"
        type="number"
        min={0}
        max={100}
        step="any"
        required
        value={rate}
        onChange={(event) => setRate(event.target.value)}
      />
      <TextAreaField
        label="Notes"
        className="form-grid-full"
        rows={2}
        value={notes}
        onChange={(event) => setNotes(event.target.value)}
      />
      {save.isError ? <FormError error={save.error} /> : null}
      <div className="button-row form-grid-full">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          Save commitment
        </button>
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------- page

type Editing =
  | { kind: 'policy'; item: SlaPolicy | null }
  | { kind: 'calendar'; item: SlaCalendar | null }
  | { kind: 'commitment'; item: SlaCommitment | null }
  | null;

export default function SlaSettingsPage() {
  usePageTitle('SLA policies');
  const me = useMe();
  const isAdmin = me.role === 'admin';
  const [editing, setEditing] = useState<Editing>(null);
  const policies = useQuery({
    queryKey: ['sla-policies'],
    queryFn: async () => (await api<{ items: SlaPolicy[] }>('/sla/policies')).items,
  });
  const calendars = useQuery({
    queryKey: ['sla-calendars'],
    queryFn: async () => (await api<{ items: SlaCalendar[] }>('/sla/calendars')).items,
  });
  const commitments = useQuery({
    queryKey: ['sla-commitments'],
    queryFn: async () => (await api<{ items: SlaCommitment[] }>('/sla/commitments')).items,
  });
  const calendarNames = new Map((calendars.data ?? []).map((calendar) => [calendar.id, calendar.name]));

  const policyColumns: Column<SlaPolicy>[] = [
    { key: 'position', header: 'Order', align: 'right', cell: (row) => row.position },
    { key: 'name', header: 'Policy', cell: (row) => <strong>{row.name}</strong> },
    {
      key: 'covers',
      header: 'Covers',
      cell: (row) =>
        [
          row.match.temperatures.length ? row.match.temperatures.join('/') : null,
          row.match.sources.length ? row.match.sources.join(', ') : null,
          row.match.min_employees !== null || row.match.max_employees !== null
            ? `${row.match.min_employees ?? 0}–${row.match.max_employees ?? '∞'} employees`
            : null,
          row.match.min_score !== null ? `score ≥ ${row.match.min_score}` : null,
        ]
          .filter(Boolean)
          .join(' · ') || 'Every lead',
    },
    { key: 'accept', header: 'Accept within', cell: (row) => minutes(row.accept_within_minutes) },
    {
      key: 'activity',
      header: 'First activity within',
      cell: (row) => minutes(row.first_activity_within_minutes),
    },
    {
      key: 'attempts',
      header: 'Attempts',
      cell: (row) =>
        row.attempts_required ? `${row.attempts_required} in ${row.attempts_within_days ?? '?'} days` : DASH,
    },
    {
      key: 'breach',
      header: 'On breach',
      cell: (row) =>
        `${row.escalate ? 'escalate, ' : ''}${row.breach_action === 'none' ? 'report' : row.breach_action}`,
    },
    {
      key: 'clock',
      header: 'Clock',
      cell: (row) =>
        row.clock === 'business'
          ? `Business hours (${calendarNames.get(row.calendar_id ?? 0) ?? '?'})`
          : 'Wall clock',
    },
    { key: 'active', header: 'Active', cell: (row) => (row.active ? 'Yes' : 'No') },
    ...(isAdmin
      ? [
          {
            key: 'edit',
            header: 'Actions',
            cell: (row: SlaPolicy) => (
              <button
                type="button"
                className="btn btn-small"
                onClick={() => setEditing({ kind: 'policy', item: row })}
                aria-label={`Edit ${row.name}`}
              >
                Edit
              </button>
            ),
          },
        ]
      : []),
  ];
  const calendarColumns: Column<SlaCalendar>[] = [
    { key: 'name', header: 'Calendar', cell: (row) => <strong>{row.name}</strong> },
    { key: 'zone', header: 'Time zone', cell: (row) => row.time_zone },
    {
      key: 'days',
      header: 'Working days',
      cell: (row) => row.working_days.map((day) => WEEKDAYS[day - 1]).join(', '),
    },
    { key: 'hours', header: 'Hours', cell: (row) => `${row.start}–${row.end}` },
    { key: 'holidays', header: 'Holidays', align: 'right', cell: (row) => formatNumber(row.holidays.length) },
    { key: 'default', header: 'Default', cell: (row) => (row.is_default ? 'Yes' : '') },
    ...(isAdmin
      ? [
          {
            key: 'edit',
            header: 'Actions',
            cell: (row: SlaCalendar) => (
              <button
                type="button"
                className="btn btn-small"
                onClick={() => setEditing({ kind: 'calendar', item: row })}
                aria-label={`Edit ${row.name}`}
              >
                Edit
              </button>
            ),
          },
        ]
      : []),
  ];
  const commitmentColumns: Column<SlaCommitment>[] = [
    { key: 'period', header: 'Period', cell: (row) => periodLabel(row.period) },
    { key: 'volume', header: 'MQLs committed', align: 'right', cell: (row) => formatNumber(row.mql_volume) },
    {
      key: 'rate',
      header: 'Minimum acceptance',
      align: 'right',
      cell: (row) => formatPercent(row.min_acceptance_rate, 0),
    },
    { key: 'notes', header: 'Notes', cell: (row) => row.notes ?? DASH },
    {
      key: 'edit',
      header: 'Actions',
      cell: (row) => (
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setEditing({ kind: 'commitment', item: row })}
          aria-label={`Edit ${periodLabel(row.period)}`}
        >
          Edit
        </button>
      ),
    },
  ];

  const section = <T,>(
    title: string,
    description: string,
    query: { isPending: boolean; isError: boolean; error: unknown; data?: T[]; refetch: () => unknown },
    columns: Column<T>[],
    rowKey: (row: T) => number,
    add: (() => void) | null,
    empty: string,
  ) => (
    <section className="card" aria-label={title}>
      <div className="card-header">
        <div>
          <h2>{title}</h2>
          <p className="muted small">{description}</p>
        </div>
        {add ? (
          <button type="button" className="btn" onClick={add}>
            Add
          </button>
        ) : null}
      </div>
      {query.isPending ? (
        <LoadingState />
      ) : query.isError ? (
        <ErrorState error={query.error} retry={() => void query.refetch()} />
      ) : (
        <DataTable caption={title} columns={columns} rows={query.data ?? []} rowKey={rowKey} empty={empty} />
      )}
    </section>
  );

  return (
    <>
      <PageHeader
        title="SLA policies"
        description="The promises both teams keep: sales' response times and marketing's MQL volume and quality."
      />
      {section(
        'Sales SLA policies',
        'Tried in order; the first that covers a handed-off lead sets its deadlines. Changes apply to new hand-offs.',
        policies,
        policyColumns,
        (row) => row.id,
        isAdmin ? () => setEditing({ kind: 'policy', item: null }) : null,
        'No policies: hand-offs are not measured against deadlines.',
      )}
      {section(
        'Business calendars',
        'Working days, hours and holidays for policies measured in business hours.',
        calendars,
        calendarColumns,
        (row) => row.id,
        isAdmin ? () => setEditing({ kind: 'calendar', item: null }) : null,
        'No calendars: every policy counts wall-clock time.',
      )}
      {section(
        "Marketing's commitments",
        'MQLs marketing commits to deliver per period and the share sales should accept.',
        commitments,
        commitmentColumns,
        (row) => row.id,
        () => setEditing({ kind: 'commitment', item: null }),
        'No commitments yet.',
      )}
      <Dialog
        open={editing !== null}
        title={
          editing?.kind === 'policy'
            ? editing.item
              ? `Edit ${editing.item.name}`
              : 'Add an SLA policy'
            : editing?.kind === 'calendar'
              ? editing.item
                ? `Edit ${editing.item.name}`
                : 'Add a business calendar'
              : editing?.item
                ? `Edit the commitment for ${periodLabel(editing.item.period)}`
                : "Add marketing's commitment"
        }
        onClose={() => setEditing(null)}
      >
        {editing?.kind === 'policy' ? (
          <PolicyForm
            policy={editing.item}
            calendars={calendars.data ?? []}
            onDone={() => setEditing(null)}
          />
        ) : editing?.kind === 'calendar' ? (
          <CalendarForm calendar={editing.item} onDone={() => setEditing(null)} />
        ) : editing?.kind === 'commitment' ? (
          <CommitmentForm commitment={editing.item} onDone={() => setEditing(null)} />
        ) : null}
      </Dialog>
    </>
  );
}
