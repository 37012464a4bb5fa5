import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import type { Lead } from '../api/types.ts';
import { Dialog } from '../components/Dialog.tsx';
import { TextField } from '../components/Form.tsx';
import { useNotify } from '../components/Notice.tsx';
import { FormError } from '../components/States.tsx';

const TEXT_FIELDS = [
  ['first_name', 'First name'],
  ['last_name', 'Last name'],
  ['title', 'Title'],
  ['phone', 'Phone'],
  ['company', 'Company'],
  ['industry', 'Industry'],
  ['country', 'Country'],
  ['region', 'Region'],
  ['source', 'Source'],
] as const;
type TextKey = (typeof TEXT_FIELDS)[number][0];

interface CustomRow {
  key: number;
  name: string;
  value: string;
}

let nextKey = 1;

function customRows(fields: Record<string, unknown>): CustomRow[] {
  return Object.entries(fields).map(([name, value]) => ({
    key: nextKey++,
    name,
    value:
      value === null || value === undefined
        ? ''
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value),
  }));
}

/** Fill in what is known about a lead, including the custom fields qualification asks for. */
export function EditLeadDialog({ lead, open, onClose }: { lead: Lead; open: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [values, setValues] = useState<Record<TextKey, string>>(
    () => Object.fromEntries(TEXT_FIELDS.map(([key]) => [key, lead[key] ?? ''])) as Record<TextKey, string>,
  );
  const [employees, setEmployees] = useState(lead.employees === null ? '' : String(lead.employees));
  const [custom, setCustom] = useState<CustomRow[]>(() => customRows(lead.custom_fields));
  const save = useMutation({
    mutationFn: () => {
      const body: Record<string, unknown> = {};
      for (const [key] of TEXT_FIELDS) {
        const value = values[key].trim();
        if (value !== (lead[key] ?? '')) body[key] = value === '' ? null : value;
      }
      const count = employees.trim() === '' ? null : Number(employees);
      if (count !== lead.employees) body.employees = count;
      const fields = Object.fromEntries(
        custom
          .filter((row) => row.name.trim() !== '')
          .map((row) => [row.name.trim(), row.value.trim() === '' ? null : row.value.trim()]),
      );
      if (JSON.stringify(fields) !== JSON.stringify(lead.custom_fields)) body.custom_fields = fields;
      return api<Lead>(`/leads/${lead.id}`, { method: 'PATCH', body });
    },
    onSuccess: (saved) => {
      queryClient.setQueryData(['lead', saved.id], saved);
      void queryClient.invalidateQueries({ queryKey: ['lead', saved.id] });
      void queryClient.invalidateQueries({ queryKey: ['leads'] });
      void queryClient.invalidateQueries({ queryKey: ['qualification-queue'] });
      notify('Saved the lead');
      onClose();
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  return (
    <Dialog open={open} title="Edit the lead" onClose={onClose}>
      <form onSubmit={submit} className="form-grid">
        {TEXT_FIELDS.map(([key, label]) => (
          <TextField
            key={key}
            label={label}
            value={values[key]}
            onChange={(event) => setValues({ ...values, [key]: event.target.value })}
          />
        ))}
        <TextField
          label="Employees"
          type="number"
          min={0}
          value={employees}
          onChange={(event) => setEmployees(event.target.value)}
        />
        <fieldset className="form-grid-full custom-fields">
          <legend>Custom fields</legend>
          {custom.map((row, index) => (
            <div key={row.key} className="custom-field-row">
              <input
                aria-label={`Name of custom field ${index + 1}`}
                placeholder="budget"
                value={row.name}
                onChange={(event) =>
                  setCustom(
                    custom.map((item) =>
                      item.key === row.key ? { ...item, name: event.target.value } : item,
                    ),
                  )
                }
              />
              <input
                aria-label={`Value of custom field ${index + 1}`}
                value={row.value}
                onChange={(event) =>
                  setCustom(
                    custom.map((item) =>
                      item.key === row.key ? { ...item, value: event.target.value } : item,
                    ),
                  )
                }
              />
              <button
                type="button"
                className="btn btn-small btn-ghost"
                aria-label={`Remove custom field ${index + 1}`}
                onClick={() => setCustom(custom.filter((item) => item.key !== row.key))}
              >
                ×
              </button>
            </div>
          ))}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setCustom([...custom, { key: nextKey++, name: '', value: '' }])}
          >
            Add custom field
          </button>
        </fieldset>
        {save.isError ? <FormError error={save.error} /> : null}
        <div className="button-row form-grid-full">
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            Save
          </button>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
