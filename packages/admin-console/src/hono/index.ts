/** @module @org/admin-console/hono: the console's routes, to mount on a service app. */
export { type AdminConsoleOptions, adminConsole, LOGIN_COOKIE, SESSION_COOKIE } from "./console-routes.js";
