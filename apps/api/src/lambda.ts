/** @module Lambda entry: `handler` for API Gateway (REST or HTTP API). */
import { parseEnv } from "./env.js";
import { createLambdaHandler } from "./lambda-handler.js";

export const handler = createLambdaHandler(parseEnv());
