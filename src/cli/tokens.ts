import type { Command } from 'commander';
import { createApiToken, findApiTokens, revokeApiToken } from '../modules/auth/auth.service.ts';
import { systemCaller } from '../modules/auth/auth.ts';
import { findUserByEmail } from '../modules/users/users.repository.ts';
import { resolveWorkspace } from '../modules/workspaces/workspaces.service.ts';
import { AppError } from '../shared/errors.ts';
import { openStore } from './store.ts';

export function registerTokensCommand(program: Command): void {
  const tokens = program.command('tokens').description('Create, list and revoke API tokens for integrations');

  tokens
    .command('create')
    .description('Create an API token for a user; the secret is printed once')
    .requiredOption('--email <email>', 'the user the token acts as')
    .requiredOption('--name <name>', 'what the token is for')
    .option('-w, --workspace <slug>', 'workspace slug (default: the first)')
    .action(async (options: { email: string; name: string; workspace?: string }) => {
      const store = await openStore('tokens');
      try {
        const workspace = await resolveWorkspace(store.database.db, options.workspace);
        const user = await findUserByEmail(store.database.db, workspace.id, options.email);
        if (!user) throw new AppError('USER_NOT_FOUND', `No user with email ${options.email}`);
        const created = await createApiToken(store.database.db, systemCaller(workspace.id), {
          name: options.name,
          userId: user.id,
        });
        console.log(
          `Token ${created.record.id} for ${user.email} (shown once, store it now):\n${created.token}`,
        );
      } finally {
        await store.close();
      }
    });

  tokens
    .command('list')
    .description('List API tokens')
    .option('-w, --workspace <slug>', 'workspace slug (default: the first)')
    .action(async (options: { workspace?: string }) => {
      const store = await openStore('tokens');
      try {
        const workspace = await resolveWorkspace(store.database.db, options.workspace);
        for (const token of await findApiTokens(store.database.db, systemCaller(workspace.id))) {
          const state = token.revoked_at ? `revoked ${token.revoked_at.toISOString()}` : 'active';
          console.log(
            `${String(token.id).padStart(5)}  ${token.prefix}…  user ${token.user_id}  ${token.name}  ${state}`,
          );
        }
      } finally {
        await store.close();
      }
    });

  tokens
    .command('revoke <id>')
    .description('Revoke an API token')
    .option('-w, --workspace <slug>', 'workspace slug (default: the first)')
    .action(async (id: string, options: { workspace?: string }) => {
      const store = await openStore('tokens');
      try {
        const workspace = await resolveWorkspace(store.database.db, options.workspace);
        const token = await revokeApiToken(store.database.db, systemCaller(workspace.id), Number(id));
        console.log(`Revoked token ${token.id} (${token.name}).`);
      } finally {
        await store.close();
      }
    });
}
