import { defineConfig } from "vitest/config";

/**
 * The suites that run a second time with the ledger on PostgreSQL (DESIGN.md section 10), through the
 * same world helpers (test/helpers/world.ts opens a fresh PostgreSQL database per world there): the
 * service and end-to-end tests about behaviour. Left out: those about SQLite itself (its file, WAL,
 * pragmas, group commit, statement cache, second processes on the file) and those that read the
 * ledger through `ledger.sqlite` or start their own ledger on a file.
 */
const ON_POSTGRES = [
  "test/postgres/**/*.test.ts",
  "test/service/booking-details.test.ts",
  "test/service/booking-flow.test.ts",
  "test/service/bookings.test.ts",
  "test/service/concurrency.test.ts",
  "test/service/field-names.test.ts",
  "test/service/hold-states.test.ts",
  "test/service/hold-sweep.test.ts",
  "test/service/holds.test.ts",
  "test/service/id-probing.test.ts",
  "test/service/idempotency.test.ts",
  "test/service/preempt-span.test.ts",
  "test/service/prototype-names.test.ts",
  "test/service/read-tools.test.ts",
  "test/service/snapshot-lookback.test.ts",
  "test/service/verdicts.test.ts",
  "test/service/well-formed-text.test.ts",
  "test/e2e/console-oauth.test.ts",
  "test/e2e/instant-range.test.ts",
  "test/e2e/mcp-http.test.ts",
  "test/e2e/oauth.test.ts",
  "test/e2e/bookings-contract.test.ts",
  "test/e2e/hardening-service.test.ts",
  "test/e2e/hardening-transports.test.ts",
  "test/e2e/agent-surface.test.ts",
  "test/e2e/admin-owner-routes.test.ts",
  "test/e2e/webhooks.test.ts",
  "test/e2e/console.test.ts",
  "test/e2e/mcp-eras.test.ts",
  "test/e2e/rest-routes.test.ts",
  "test/e2e/rest-fuzz.test.ts",

  "test/e2e/rules-contract.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "sqlite",
          include: ["test/**/*.test.ts"],
          exclude: ["test/bench/**", "test/reliability/**", "test/postgres/**", "node_modules/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "postgres",
          include: ON_POSTGRES,
          env: { OPENAVAIL_TEST_DATABASE: "postgres" },
          globalSetup: ["test/helpers/postgres-setup.ts"],
        },
      },
    ],
  },
});
