import { useId } from 'react';
import {
  ACCOUNT_NUMBER_FIELDS,
  ACCOUNT_TEXT_FIELDS,
  CONDITION_OPERATORS,
  LEAD_NUMBER_FIELDS,
  LEAD_TEXT_FIELDS,
} from '../../../src/modules/scoring/scoring.ts';

export type Operator = (typeof CONDITION_OPERATORS)[number];

/** A condition as the form edits it: every value as typed text. */
export interface ConditionDraft {
  field: string;
  operator: Operator;
  value: string;
  min: string;
  max: string;
}

export const OPERATOR_LABELS: Record<Operator, string> = {
  equals: 'equals',
  in: 'is one of',
  contains: 'contains',
  ends_with: 'ends with',
  gte: 'is at least',
  lte: 'is at most',
  range: 'is between',
  is_empty: 'is empty',
  is_not_empty: 'is not empty',
};

/** Every field a condition can test, for the suggestions list. */
export const CONDITION_FIELDS: readonly string[] = [
  ...LEAD_TEXT_FIELDS,
  ...LEAD_NUMBER_FIELDS,
  'email_domain',
  ...ACCOUNT_TEXT_FIELDS.map((field) => `account.${field}`),
  ...ACCOUNT_NUMBER_FIELDS.map((field) => `account.${field}`),
];

const NUMBER = /^\s*-?\d+(\.\d+)?\s*$/;

function list(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** The API's condition value for what was typed. */
export function conditionValue(draft: ConditionDraft): unknown {
  switch (draft.operator) {
    case 'is_empty':
    case 'is_not_empty':
      return undefined;
    case 'range':
      return {
        ...(draft.min.trim() !== '' ? { min: Number(draft.min) } : {}),
        ...(draft.max.trim() !== '' ? { max: Number(draft.max) } : {}),
      };
    case 'gte':
    case 'lte':
      return NUMBER.test(draft.value) ? Number(draft.value) : draft.value;
    case 'in':
      return list(draft.value);
    case 'contains':
    case 'ends_with': {
      const items = list(draft.value);
      return items.length > 1 ? items : draft.value.trim();
    }
    case 'equals':
      return NUMBER.test(draft.value) ? Number(draft.value) : draft.value.trim();
  }
}

export function conditionDraft(condition: {
  field: string;
  operator: string;
  value?: unknown;
}): ConditionDraft {
  const operator = (CONDITION_OPERATORS as readonly string[]).includes(condition.operator)
    ? (condition.operator as Operator)
    : 'equals';
  const value = condition.value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const range = value as { min?: number; max?: number };
    return {
      field: condition.field,
      operator,
      value: '',
      min: range.min === undefined ? '' : String(range.min),
      max: range.max === undefined ? '' : String(range.max),
    };
  }
  return {
    field: condition.field,
    operator,
    value: Array.isArray(value)
      ? value.join(', ')
      : value === undefined || value === null
        ? ''
        : String(value),
    min: '',
    max: '',
  };
}

export function emptyCondition(): ConditionDraft {
  return { field: 'title', operator: 'contains', value: '', min: '', max: '' };
}

/** Field, operator and value of one condition; labels name the rule they belong to. */
export function ConditionFields({
  draft,
  onChange,
  context,
}: {
  draft: ConditionDraft;
  onChange: (patch: Partial<ConditionDraft>) => void;
  /** Names the rule in the labels ("Field of rule 2"). */
  context: string;
}) {
  const id = useId();
  const listId = `${id}-fields`;
  return (
    <>
      <label className="visually-hidden" htmlFor={`${id}-field`}>
        Field of {context}
      </label>
      <input
        id={`${id}-field`}
        list={listId}
        value={draft.field}
        onChange={(event) => onChange({ field: event.target.value })}
        placeholder="title"
        className="input-field"
      />
      <datalist id={listId}>
        {CONDITION_FIELDS.map((field) => (
          <option key={field} value={field} />
        ))}
      </datalist>
      <label className="visually-hidden" htmlFor={`${id}-operator`}>
        Operator of {context}
      </label>
      <select
        id={`${id}-operator`}
        value={draft.operator}
        onChange={(event) => onChange({ operator: event.target.value as Operator })}
      >
        {CONDITION_OPERATORS.map((operator) => (
          <option key={operator} value={operator}>
            {OPERATOR_LABELS[operator]}
          </option>
        ))}
      </select>
      {draft.operator === 'range' ? (
        <span className="range-inputs">
          <label className="visually-hidden" htmlFor={`${id}-min`}>
            Lowest value of {context}
          </label>
          <input
            id={`${id}-min`}
            type="number"
            placeholder="min"
            value={draft.min}
            onChange={(event) => onChange({ min: event.target.value })}
          />
          <label className="visually-hidden" htmlFor={`${id}-max`}>
            Highest value of {context}
          </label>
          <input
            id={`${id}-max`}
            type="number"
            placeholder="max"
            value={draft.max}
            onChange={(event) => onChange({ max: event.target.value })}
          />
        </span>
      ) : draft.operator === 'is_empty' || draft.operator === 'is_not_empty' ? (
        <span className="muted small">no value</span>
      ) : (
        <>
          <label className="visually-hidden" htmlFor={`${id}-value`}>
            Value of {context}
          </label>
          <input
            id={`${id}-value`}
            value={draft.value}
            placeholder={draft.operator === 'in' ? 'a, b, c' : 'value'}
            onChange={(event) => onChange({ value: event.target.value })}
          />
        </>
      )}
    </>
  );
}
