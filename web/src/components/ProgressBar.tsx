/** A labelled progress bar; `fraction` is clamped to 0..1. */
export function ProgressBar({ label, fraction }: { label: string; fraction: number }) {
  const clamped = Math.min(Math.max(fraction, 0), 1);
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(clamped * 100)}
    >
      <span style={{ width: `${clamped * 100}%` }} />
    </div>
  );
}
