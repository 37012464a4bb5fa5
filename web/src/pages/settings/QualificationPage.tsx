import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client.ts';
import type { QualificationFields } from '../../api/types.ts';
import { useMe } from '../../app/auth.tsx';
import { TextField } from '../../components/Form.tsx';
import { useNotify } from '../../components/Notice.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { ErrorState, FormError, LoadingState } from '../../components/States.tsx';

const SUGGESTIONS = [
  'title',
  'phone',
  'company',
  'industry',
  'employees',
  'country',
  'budget',
  'authority',
  'need',
  'timeline',
];

function FieldsEditor({ initial }: { initial: string[] }) {
  const me = useMe();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [fields, setFields] = useState<string[]>(initial);
  const [adding, setAdding] = useState('');
  const save = useMutation({
    mutationFn: () => api<QualificationFields>('/qualification/fields', { method: 'PUT', body: { fields } }),
    onSuccess: (saved) => {
      queryClient.setQueryData(['qualification-fields'], saved);
      void queryClient.invalidateQueries({ queryKey: ['qualification-queue'] });
      notify('Saved the qualification fields; waiting leads are checked again');
    },
  });
  const add = (field: string) => {
    const name = field.trim();
    if (name && !fields.includes(name)) setFields([...fields, name]);
    setAdding('');
  };
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  const dirty = JSON.stringify(fields) !== JSON.stringify(initial);
  return (
    <form className="card stack" onSubmit={submit} aria-label="Qualification fields">
      <h2>Required before hand-off</h2>
      {fields.length === 0 ? (
        <p className="muted">No fields are required: every lead at the MQL score goes to sales.</p>
      ) : (
        <ul className="chip-row plain-list-inline" aria-label="Required fields">
          {fields.map((field) => (
            <li key={field} className="chip">
              {field}
              <button
                type="button"
                className="btn-icon btn-ghost"
                aria-label={`Remove ${field}`}
                onClick={() => setFields(fields.filter((candidate) => candidate !== field))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="inline-form">
        <TextField
          label="Add a field"
          list="qualification-suggestions"
          placeholder="budget, or custom_fields.budget"
          value={adding}
          onChange={(event) => setAdding(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              add(adding);
            }
          }}
        />
        <datalist id="qualification-suggestions">
          {SUGGESTIONS.map((field) => (
            <option key={field} value={field} />
          ))}
        </datalist>
        <button type="button" className="btn" onClick={() => add(adding)} disabled={!adding.trim()}>
          Add
        </button>
      </div>
      <p className="muted small">
        Lead columns (title, phone, employees …) or custom fields by their key. Leads that reach the MQL score
        without them wait in the <Link to="/qualification">qualification queue</Link>.
      </p>
      {save.isError ? <FormError error={save.error} /> : null}
      {me.role === 'admin' ? (
        <div className="button-row">
          <button type="submit" className="btn btn-primary" disabled={!dirty || save.isPending}>
            Save fields
          </button>
          <button type="button" className="btn" disabled={!dirty} onClick={() => setFields(initial)}>
            Discard changes
          </button>
        </div>
      ) : null}
    </form>
  );
}

export default function QualificationPage() {
  usePageTitle('Qualification');
  const fields = useQuery({
    queryKey: ['qualification-fields'],
    queryFn: () => api<QualificationFields>('/qualification/fields'),
  });
  return (
    <>
      <PageHeader
        title="Qualification"
        description="The fields that must be known before a lead is handed to sales."
      />
      {fields.isPending ? (
        <LoadingState label="Loading the qualification fields" />
      ) : fields.isError ? (
        <ErrorState
          error={fields.error}
          title="Could not load the qualification fields"
          retry={() => void fields.refetch()}
        />
      ) : (
        <FieldsEditor
          key={fields.data.fields.map((field) => field.field).join('|')}
          initial={fields.data.fields.map((field) => field.field)}
        />
      )}
    </>
  );
}
