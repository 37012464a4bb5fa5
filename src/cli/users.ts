import type { Command } from 'commander';
import { roleSchema } from '../modules/auth/auth.schemas.ts';
import { systemCaller } from '../modules/auth/auth.ts';
import { findUserByEmail } from '../modules/users/users.repository.ts';
import { createUser, findUsers, updateUser } from '../modules/users/users.service.ts';
import {
  DEFAULT_WORKSPACE_SLUG,
  ensureWorkspace,
  resolveWorkspace,
} from '../modules/workspaces/workspaces.service.ts';
import { AppError } from '../shared/errors.ts';
import { openStore } from './store.ts';

export function registerUsersCommand(program: Command): void {
  const users = program.command('users').description('List, create and change users');

  users
    .command('list')
    .description('List the users of the workspace')
    .option('-w, --workspace <slug>', 'workspace slug (default: the first)')
    .option('--json', 'print JSON')
    .action(async (options: { workspace?: string; json?: boolean }) => {
      const store = await openStore('users');
      try {
        const workspace = await resolveWorkspace(store.database.db, options.workspace);
        const rows = [];
        let cursor: string | undefined;
        do {
          const page = await findUsers(store.database.db, systemCaller(workspace.id), { limit: 500, cursor });
          rows.push(...page.items);
          cursor = page.next_cursor ?? undefined;
        } while (cursor);
        if (options.json) {
          console.log(
            JSON.stringify(
              rows.map(({ password_hash, ...row }) => ({ ...row, has_password: password_hash !== null })),
              null,
              2,
            ),
          );
        } else {
          for (const row of rows)
            console.log(
              `${String(row.id).padStart(5)}  ${row.role.padEnd(9)} ${row.status.padEnd(8)} ${row.email}  (${row.name})`,
            );
        }
      } finally {
        await store.close();
      }
    });

  users
    .command('create')
    .description('Create a user (creates the workspace when the store is empty)')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--role <role>', 'admin | marketing | sales | sdr | executive')
    .option(
      '--password <password>',
      'password (at least 8 characters); without one the user signs in with tokens only',
    )
    .option('-w, --workspace <slug>', 'workspace slug', DEFAULT_WORKSPACE_SLUG)
    .action(
      async (options: {
        email: string;
        name: string;
        role: string;
        password?: string;
        workspace: string;
      }) => {
        const role = roleSchema.safeParse(options.role);
        if (!role.success)
          throw new AppError('VALIDATION_FAILED', `--role: must be one of ${roleSchema.options.join(', ')}`);
        const store = await openStore('users');
        try {
          const workspace = await ensureWorkspace(store.database.db, {
            name: options.workspace,
            slug: options.workspace,
          });
          const user = await createUser(store.database.db, systemCaller(workspace.id), {
            email: options.email,
            name: options.name,
            role: role.data,
            password: options.password,
          });
          console.log(`Created user ${user.id} <${user.email}> as ${user.role}.`);
        } finally {
          await store.close();
        }
      },
    );

  users
    .command('set-password')
    .description("Set a user's password")
    .requiredOption('--email <email>', 'the user')
    .requiredOption('--password <password>', 'new password (at least 8 characters)')
    .option('-w, --workspace <slug>', 'workspace slug (default: the first)')
    .action(async (options: { email: string; password: string; workspace?: string }) => {
      const store = await openStore('users');
      try {
        const workspace = await resolveWorkspace(store.database.db, options.workspace);
        const user = await findUserByEmail(store.database.db, workspace.id, options.email);
        if (!user) throw new AppError('USER_NOT_FOUND', `No user with email ${options.email}`);
        await updateUser(store.database.db, systemCaller(workspace.id), user.id, {
          password: options.password,
        });
        console.log(`Password set for ${user.email}.`);
      } finally {
        await store.close();
      }
    });
}
