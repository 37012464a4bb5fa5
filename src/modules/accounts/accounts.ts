import { AppError } from '../../shared/errors.ts';
import type { Caller } from '../auth/auth.ts';

/**
 * The bare host name of a company's web address, so "https://www.Example.com/about" and
 * "example.com" are one domain (lead emails and routing match accounts by it). Returns null
 * when what is left is not a host name.
 */
export function normalizeDomain(value: string): string | null {
  let host = value.trim().toLowerCase();
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  host = host.replace(/^[^@/]*@/, '');
  host = host.split(/[/?#]/, 1)[0] ?? '';
  host = host.replace(/:\d+$/, '').replace(/\.$/, '');
  // "www.example.com" is example.com, but www.com stays itself.
  while (host.startsWith('www.') && host.slice(4).includes('.')) host = host.slice(4);
  if (host.length > 253) return null;
  if (!/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/.test(host)) return null;
  return host;
}

function isRep(caller: Caller): boolean {
  return caller.role === 'sales' || caller.role === 'sdr';
}

/** Everyone but executives creates accounts. */
export function assertCanCreateAccount(caller: Caller): void {
  if (caller.role === 'executive')
    throw new AppError('FORBIDDEN', 'Executives can read accounts but not create them');
}

/** Admins and marketing change any account; reps change the accounts they own; executives read. */
export function assertCanChangeAccount(
  caller: Caller,
  account: { id: number; owner_id: number | null },
): void {
  if (caller.role === 'system' || caller.role === 'admin' || caller.role === 'marketing') return;
  if (isRep(caller) && account.owner_id === caller.userId) return;
  throw new AppError(
    'FORBIDDEN',
    caller.role === 'executive'
      ? 'Executives can read accounts but not change them'
      : `Account ${account.id} is not yours; reps change only the accounts they own`,
  );
}

/** Reps keep the accounts they own; handing one to someone else is a manager's or marketing's call. */
export function assertCanAssignAccount(
  caller: Caller,
  currentOwnerId: number | null,
  newOwnerId: number | null | undefined,
): void {
  if (newOwnerId === undefined || newOwnerId === currentOwnerId || !isRep(caller)) return;
  if (currentOwnerId === null && newOwnerId === caller.userId) return;
  throw new AppError('FORBIDDEN', 'Reps cannot reassign accounts; ask a manager or marketing', {
    issues: [{ path: 'owner_id', message: 'reps cannot reassign accounts' }],
  });
}

export function assertCanDeleteAccount(caller: Caller): void {
  if (caller.role === 'system' || caller.role === 'admin' || caller.role === 'marketing') return;
  throw new AppError(
    'FORBIDDEN',
    `Your role (${caller.role}) cannot delete accounts; it needs admin or marketing`,
  );
}
