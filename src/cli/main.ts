import { Command, Option } from 'commander';
import { loadConfig } from '../platform/config.ts';
import { messageOf } from '../platform/errors.ts';
import { createApiClient } from './api-client.ts';
import { listRunsCommand, runAgent } from './commands/run.ts';
import { serve } from './commands/serve.ts';
import { createToken, revokeTokenCommand } from './commands/tokens.ts';
import { addUserCommand } from './commands/users.ts';
import { verifyBundleCommand } from './commands/verify.ts';
import { work } from './commands/worker.ts';
import { exitCodeOf } from './exit-code.ts';

const program = new Command('agentruns').description('Run AI agents under governance').showHelpAfterError();
const out = (line: string) => console.log(line);

const apiOptions = (command: Command) =>
  command
    .addOption(
      new Option('--url <url>', 'server URL')
        .env('AGENTRUNS_URL')
        .default(`http://localhost:${process.env.PORT ?? 3000}`),
    )
    .addOption(new Option('--token <token>', 'API token').env('AGENTRUNS_TOKEN'));

program
  .command('serve')
  .description('API, web UI and a worker on one port (SQLite in ./data unless DATABASE_URL is set)')
  .option('--no-worker', 'serve the API only')
  .action((options: { worker: boolean }) => serve(loadConfig(), options));

program
  .command('worker')
  .description('run attempts only (scale-out on PostgreSQL)')
  .action(() => work(loadConfig()));

apiOptions(
  program
    .command('run <agent>')
    .description('start a run of an agent (id or name)')
    .option(
      '--var <name=value>',
      'a variable (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option('--name <name>', 'name the run')
    .option(
      '--wait',
      'follow the run to its end with live progress; exit 0 completed, 1 failed, 2 canceled',
      false,
    )
    .option('--json', 'print JSON', false),
).action(
  async (
    agent: string,
    options: { var: string[]; name?: string; wait: boolean; json: boolean; url: string; token?: string },
  ) => {
    const api = createApiClient({ baseUrl: options.url, token: options.token });
    process.exitCode = await runAgent(
      api,
      agent,
      {
        vars: options.var,
        wait: options.wait,
        json: options.json,
        ...(options.name ? { name: options.name } : {}),
      },
      out,
    );
  },
);

const runs = program.command('runs').description('inspect runs');
apiOptions(
  runs
    .command('list')
    .description('the newest runs')
    .option('--status <statuses>', 'comma-separated statuses')
    .option('--agent <agent>', 'an agent id or name')
    .option('-q, --query <text>', 'search names and outputs')
    .option('--limit <n>', 'how many', (v) => Number(v), 20)
    .option('--json', 'print JSON', false),
).action(
  async (options: {
    status?: string;
    agent?: string;
    query?: string;
    limit: number;
    json: boolean;
    url: string;
    token?: string;
  }) => {
    const api = createApiClient({ baseUrl: options.url, token: options.token });
    await listRunsCommand(
      api,
      {
        limit: options.limit,
        json: options.json,
        ...(options.status ? { status: options.status } : {}),
        ...(options.agent ? { agent: options.agent } : {}),
        ...(options.query ? { q: options.query } : {}),
      },
      out,
    );
  },
);

const tokens = program.command('tokens').description('API tokens');
tokens
  .command('create')
  .description('print a new API token for a user (reads the database directly)')
  .requiredOption('--email <email>', 'the user')
  .option('--name <name>', 'what the token is for', 'cli')
  .option('--org <id>', 'the organization, when the email has accounts in several')
  .action((options: { email: string; name: string; org?: string }) => createToken(loadConfig(), options));
tokens
  .command('revoke <id>')
  .description('revoke an API token by id; it stops working at once (reads the database directly)')
  .action((id: string) => revokeTokenCommand(loadConfig(), id));

program
  .command('users')
  .description('users of the organization')
  .command('add')
  .description('add a user (reads the database directly); prints a generated password once unless --password')
  .requiredOption('--email <email>', 'their email, which they sign in with')
  .requiredOption('--role <role>', 'admin, editor, runner or viewer')
  .option('--name <name>', 'their name')
  .option('--password <password>', 'their password (at least 12 characters)')
  .option('--org <id>', 'the organization (default: the first one)')
  .action((options: { email: string; role: string; name?: string; password?: string; org?: string }) =>
    addUserCommand(loadConfig(), options),
  );

program
  .command('verify <bundle>')
  .description('check an evidence bundle offline: every hash, the chain and every signature')
  .option(
    '--key <pem>',
    'trust only this public key (repeatable)',
    (value: string, all: string[]) => [...all, value],
    [],
  )
  .option('--json', 'print JSON', false)
  .action(async (bundle: string, options: { key: string[]; json: boolean }) => {
    process.exitCode = await verifyBundleCommand(bundle, options, out);
  });

try {
  await program.parseAsync();
} catch (error) {
  console.error(`agentruns: ${messageOf(error)}`);
  process.exitCode = exitCodeOf(error);
}
