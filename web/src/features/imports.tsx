import type { Import } from '../api/types.ts';
import { titleCase } from '../lib/format.ts';

const TONE: Record<Import['status'], string> = {
  queued: 'badge-neutral',
  running: 'badge-warn',
  completed: 'badge-good',
  failed: 'badge-bad',
};

export function ImportStatus({ status }: { status: Import['status'] }) {
  return <span className={`badge ${TONE[status]}`}>{titleCase(status)}</span>;
}
