/**
 * @module @org/client: a typed fetch client of the platform's v1 API, generated from the OpenAPI
 * document the services serve (itself built from the routes' declarations).
 */
import createFetchClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./openapi.gen.js";

export type { components, operations, paths } from "./openapi.gen.js";

/** Every error answer: RFC 9457 problem+json with a stable `code`. */
export type Problem = components["schemas"]["Problem"];

export interface ClientOptions {
  /** The service's origin, e.g. `https://acme.example.com` (cloud-api) or `http://localhost:3000` (api). */
  baseUrl: string;
  /** An API key (`sk_...`) or a JWT, sent as a bearer token. */
  token?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** A fetch implementation (default: the global one), e.g. an app's `request` in tests. */
  fetch?: (request: Request) => Promise<Response> | Response;
}

export type PlatformClient = Client<paths>;

/**
 * A client whose paths, parameters, bodies and answers are typed from the document.
 *
 * @example
 * const api = createClient({ baseUrl: "https://acme.example.com", token: process.env.API_KEY });
 * const { data, error } = await api.GET("/v1/usage/summary");
 * if (error) console.error(error.code);
 */
export function createClient(options: ClientOptions): PlatformClient {
  const fetchOf = options.fetch;
  return createFetchClient<paths>({
    baseUrl: options.baseUrl,
    headers: {
      ...options.headers,
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    },
    ...(fetchOf ? { fetch: async (request: Request) => fetchOf(request) } : {}),
  });
}
