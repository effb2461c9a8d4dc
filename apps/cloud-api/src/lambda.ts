/** @module Lambda entry of cloud-api: `handler` for API Gateway; dependencies built on the first invocation. */
import { parseEnv } from "./env.js";
import { createLambdaHandler } from "./lambda-handler.js";

export const handler = createLambdaHandler(parseEnv());
