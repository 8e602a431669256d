import { contractViolations } from './openapi-contract';

/*
 * Runs in every e2e test file (jest `setupFilesAfterEnv`): after the file's tests, every response
 * its test apps gave must have matched the OpenAPI document (see openapi-contract.ts).
 */
afterAll(() => {
  expect(contractViolations()).toEqual([]);
});
