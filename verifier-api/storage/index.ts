/** Picks the storage implementation from the configuration. */
import type { Config } from "../config.ts";
import { PostgresStorage } from "./postgres.ts";
import { SqliteStorage } from "./sqlite.ts";
import type { Storage } from "./types.ts";

export { PostgresStorage } from "./postgres.ts";
export { SqliteStorage } from "./sqlite.ts";
export * from "./types.ts";

export async function createStorage(
  config: Pick<Config, "storage" | "sqlitePath" | "postgresUrl" | "postgresSchema">,
): Promise<Storage> {
  const storage: Storage =
    config.storage === "postgres"
      ? new PostgresStorage(config.postgresUrl as string, config.postgresSchema)
      : new SqliteStorage(config.sqlitePath);
  await storage.migrate();
  return storage;
}
