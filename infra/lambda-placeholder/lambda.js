'use strict';
// Deployed only when the service was not built before `cdk synth`/`cdk deploy` (see infra/README.md):
// every handler fails loudly instead of pretending to work.
const MESSAGE =
  'This function runs the infrastructure placeholder, not the service: run `npm run build` at the ' +
  'repository root, then `cd infra && npx cdk deploy` again.';

async function notBuilt() {
  throw new Error(MESSAGE);
}

exports.http = notBuilt;
exports.scheduled = notBuilt;
exports.outboxStream = notBuilt;
