import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

interface Fixture {
  filePath: string;
  code: string;
}

interface Reported {
  ruleId: string | null;
  message: string;
  fatal?: boolean;
}

/**
 * Lints each fixture as if it were the file at its path, with the project's own eslint.config.mjs
 * and only the import rule (the type-aware rules need a program, which import paths do not).
 * Runs in a child process: ESLint loads its config file as an ES module, which Jest cannot.
 */
const LINTER = `
import { readFileSync } from 'node:fs';
import { ESLint } from 'eslint';
const fixtures = JSON.parse(readFileSync(0, 'utf8'));
const eslint = new ESLint({
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
});
const reports = [];
for (const { filePath, code } of fixtures) {
  const [result] = await eslint.lintText(code, { filePath });
  reports.push(result.messages.map(({ ruleId, message, fatal }) => ({ ruleId, message, fatal })));
}
process.stdout.write(JSON.stringify(reports));
`;

function lint(fixtures: Fixture[]): Reported[][] {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', LINTER], {
    cwd: ROOT,
    input: JSON.stringify(fixtures),
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`the linter failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Reported[][];
}

/** [why it must be refused, file, code, a word the message must contain] */
const BAD: [string, string, string, RegExp][] = [
  [
    "a report reading another module's repository",
    'src/reports/x.service.ts',
    "import { InvoicesRepository } from '../billing/invoices.repository';",
    /billing module/,
  ],
  [
    'a type taken from a repository of another module',
    'src/reports/x.service.ts',
    "import type { DayRecord } from '../usage/usage.repository';",
    /usage module/,
  ],
  [
    "another module's repository from a subfolder (billing/runs is billing)",
    'src/billing/runs/x.ts',
    "import { UsageRepository } from '../../usage/usage.repository';",
    /usage module/,
  ],
  [
    "another module's writer",
    'src/billing/x.service.ts',
    "import { UsageWriter } from '../usage/usage-writer';",
    /usage module/,
  ],
  [
    "the events module's writer file, past its public face",
    'src/customers/x.service.ts',
    "import { OutboxWriter } from '../events/outbox.writer';",
    /events module/,
  ],
  [
    "a re-export of another module's repository",
    'src/webhooks/index.ts',
    "export { InvoicesRepository } from '../billing/invoices.repository';",
    /billing module/,
  ],
  [
    "a module's repository from shared code",
    'src/common/x.ts',
    "import { CustomersRepository } from '../customers/customers.repository';",
    /customers module/,
  ],
  [
    "a module's repository from the application root",
    'src/app.module.ts',
    "import { UsageRepository } from './usage/usage.repository';",
    /usage module/,
  ],
  [
    "a module's repository from a module folder that did not exist when the rule was written",
    'src/newmodule/x.service.ts',
    "import { AuditRepository } from '../audit/audit.repository';",
    /audit module/,
  ],
  [
    'store keys in a service',
    'src/reports/x.service.ts',
    "import { Keys } from '../database/keys';",
    /Only repositories/,
  ],
  [
    'the store client in a service',
    'src/customers/customers.service.ts',
    "import { DynamoDatabase } from '../database/dynamo-database';",
    /Only repositories/,
  ],
  [
    'a batch write helper in a subfolder that is no repository',
    'src/billing/runs/billing-run.chunk.ts',
    "import { batchPutAll } from '../../database/batch-put';",
    /Only repositories/,
  ],
  [
    'a transaction helper in shared code',
    'src/common/x.ts',
    "import { transactIfFirstHolds } from '../database/transact';",
    /Only repositories/,
  ],
  [
    'the store from the pricing library',
    'src/pricing-core/x.ts',
    "import { queryGsiPage } from '../database/query-page';",
    /Only repositories/,
  ],
  [
    'DatabaseModule in a file that is not a module',
    'src/usage/usage.service.ts',
    "import { DatabaseModule } from '../database/database.module';",
    /Only repositories/,
  ],
  [
    'the store client in the health module, besides its store check',
    'src/health/event-relay.health.ts',
    "import { DynamoDatabase } from '../database/dynamo-database';",
    /Only repositories/,
  ],
];

/** [why it is allowed, file, code] */
const GOOD: [string, string, string][] = [
  [
    "another module's exported service and model types",
    'src/reports/x.service.ts',
    [
      "import { InvoicesService } from '../billing/invoices.service';",
      "import type { Invoice } from '../billing/invoice.model';",
      "import type { DayRecord } from '../usage/usage.model';",
    ].join('\n'),
  ],
  [
    "a module's public face (index.ts)",
    'src/customers/x.service.ts',
    "import { OutboxWriter } from '../events';",
  ],
  [
    "a module's own repository and writer",
    'src/usage/usage.service.ts',
    [
      "import { UsageRepository } from './usage.repository';",
      "import { UsageWriter } from './usage-writer';",
    ].join('\n'),
  ],
  [
    "a module's own repositories from its subfolder",
    'src/billing/runs/billing-run.chunk.ts',
    [
      "import { InvoicesRepository } from '../invoices.repository';",
      "import { BillingRunRepository } from './billing-run.repository';",
    ].join('\n'),
  ],
  [
    'the store in a repository',
    'src/usage/usage.repository.ts',
    [
      "import { DynamoDatabase } from '../database/dynamo-database';",
      "import { batchPutAll } from '../database/batch-put';",
      "import { GSI1, Keys } from '../database/keys';",
    ].join('\n'),
  ],
  [
    'the store in a repository of a subfolder',
    'src/billing/runs/billing-run.repository.ts',
    "import { Keys } from '../../database/keys';",
  ],
  [
    'the type of a transaction action in a service (audit and outbox items join the change)',
    'src/customers/customers.service.ts',
    "import type { TransactItem } from '../database/transact-item';",
  ],
  [
    'DatabaseModule in a module file',
    'src/usage/usage.module.ts',
    "import { DatabaseModule } from '../database/database.module';",
  ],
  [
    'the store check of the health module',
    'src/health/dynamo.health.ts',
    "import { DynamoDatabase } from '../database/dynamo-database';",
  ],
  [
    'the embedded store, started by the application root',
    'src/main.ts',
    "import { EmbeddedDynamoDb } from './database/embedded-dynamodb';",
  ],
  [
    'the store infrastructure within itself',
    'src/database/table-setup.ts',
    "import { tableDefinition } from './table-definition';",
  ],
];

describe('module boundaries (eslint.config.mjs)', () => {
  let bad: Reported[][];
  let good: Reported[][];

  beforeAll(() => {
    const reports = lint([...BAD, ...GOOD].map(([, filePath, code]) => ({ filePath, code })));
    bad = reports.slice(0, BAD.length);
    good = reports.slice(BAD.length);
  });

  it.each(BAD.map(([why, filePath, code, says], i) => ({ why, filePath, code, says, i })))(
    'refuses $why ($filePath)',
    ({ i, says }) => {
      expect(bad[i]).toHaveLength(1);
      expect(bad[i][0].ruleId).toBe('no-restricted-imports');
      expect(bad[i][0].message).toMatch(says);
    },
  );

  it.each(GOOD.map(([why, filePath, code], i) => ({ why, filePath, code, i })))(
    'allows $why ($filePath)',
    ({ i }) => {
      expect(good[i]).toEqual([]);
    },
  );
});
