/** @module @org/admin-console: sessions and the queries behind the console's pages. */
export {
  type DailySeries,
  dailyUsage,
  type HistoryEntry,
  replayEvents,
  type TenantOverview,
  tenantDetail,
  tenantHistory,
  tenantOverviews,
} from "./queries.js";
export {
  type ConsoleSession,
  type ConsoleSessions,
  type ConsoleSessionsOptions,
  createConsoleSessions,
  sameSecret,
} from "./session.js";
