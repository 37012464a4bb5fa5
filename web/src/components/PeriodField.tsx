import { useId } from 'react';
import { periodChoices, periodLabel } from '../lib/periods.ts';

/** A year, quarter or month, as the reports take it. */
export function PeriodField({
  label = 'Period',
  value,
  onChange,
  hint,
  allowAll,
}: {
  label?: string;
  value: string;
  onChange: (period: string) => void;
  hint?: string;
  /** Offer an empty choice with this label ("All time"). */
  allowAll?: string;
}) {
  const id = useId();
  const groups = periodChoices();
  const known = groups.some((group) => group.periods.includes(value));
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {allowAll !== undefined ? <option value="">{allowAll}</option> : null}
        {!known && value ? <option value={value}>{periodLabel(value)}</option> : null}
        {groups.map((group) => (
          <optgroup key={group.label} label={group.label}>
            {group.periods.map((period) => (
              <option key={period} value={period}>
                {periodLabel(period)}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      {hint ? <span className="field-hint">{hint}</span> : null}
    </div>
  );
}
