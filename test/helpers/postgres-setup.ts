// vitest globalSetup of the PostgreSQL project: one server for the whole run, with a database
// migrated once to copy (CREATE DATABASE ... TEMPLATE) for every world, and torn down after.
import { openLedger } from "../../src/ledger/open-ledger.js";
import { startPostgresCluster } from "./postgres-cluster.js";
import { TEMPLATE_DATABASE, withAdmin } from "./postgres-database.js";

export default async function setup(): Promise<() => Promise<void>> {
  const cluster = await startPostgresCluster();
  try {
    await withAdmin(cluster.url(), (admin) => admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`));
    const ledger = await openLedger({ path: "", databaseUrl: cluster.url(TEMPLATE_DATABASE) });
    await ledger.close();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  // Test workers are forked after this, and inherit it; so do the serve processes they start.
  process.env.OPENAVAIL_TEST_POSTGRES_URL = cluster.url();
  return () => cluster.stop();
}
