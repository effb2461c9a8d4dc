/**
 * @module Every answer a test receives, checked against the app's own /openapi.json: its status is
 * declared for the operation, and its body matches the schema declared for that status.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { Hono } from "hono";

// ajv-formats is CommonJS; under ESM its function is the default export's default.
const addFormats =
  (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

interface MediaType {
  schema?: object;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
}
interface OperationObject {
  responses?: Record<string, ResponseObject>;
}
/** The parts of an OpenAPI 3.1 document the check reads. */
export interface ConformanceDocument {
  paths?: Record<string, Record<string, OperationObject | unknown>>;
  components?: object;
}

export interface ResponseConformance {
  /** What is wrong with this answer, or undefined when it conforms (or names no documented operation). */
  check(answer: {
    method: string;
    path: string;
    status: number;
    contentType: string | null;
    body: string;
  }): string | undefined;
}

const templateToRegExp = (template: string) =>
  new RegExp(`^${template.replaceAll(/[.*+?^$()|[\]\\]/g, "\\$&").replaceAll(/\{[^}/]+\}/g, "[^/]+")}$`);

/**
 * The check of answers against `doc`.
 *
 * @example
 * const conformance = responseConformance(await (await app.request("/openapi.json")).json());
 * conformance.check({ method: "GET", path: "/v1/tenant", status: 200, contentType, body });
 */
export function responseConformance(doc: ConformanceDocument): ResponseConformance {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validators = new Map<object, ValidateFunction>();
  const validatorOf = (schema: object) => {
    let validate = validators.get(schema);
    if (!validate) {
      // The document's components travel with each schema so that its `#/components/...` refs resolve.
      validate = ajv.compile({ ...schema, components: doc.components });
      validators.set(schema, validate);
    }
    return validate;
  };
  const templates = Object.keys(doc.paths ?? {}).map((template) => ({
    template,
    pattern: templateToRegExp(template),
  }));
  // A concrete template wins over one with parameters (`/v1/usage/summary` before `/v1/usage/{x}`).
  templates.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));

  return {
    check({ method, path, status, contentType, body }) {
      const template = templates.find((t) => t.pattern.test(path))?.template;
      const verb = method.toLowerCase() === "head" ? "get" : method.toLowerCase();
      const op = template ? (doc.paths?.[template]?.[verb] as OperationObject | undefined) : undefined;
      if (!op) return undefined;
      const name = `${method.toUpperCase()} ${path} -> ${status}`;
      const declared = op.responses?.[String(status)] ?? op.responses?.default;
      if (!declared) return `${name}: status ${status} is not declared for ${verb.toUpperCase()} ${template}`;
      if (method.toUpperCase() === "HEAD" || !declared.content) return undefined;
      const mediaType = (contentType ?? "").split(";")[0]?.trim() ?? "";
      const media = declared.content[mediaType];
      if (!media) {
        return `${name}: content type ${mediaType || "(none)"} is not declared (declared: ${Object.keys(declared.content).join(", ")})`;
      }
      if (!media.schema || !mediaType.endsWith("json")) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return `${name}: the body is not JSON`;
      }
      const validate = validatorOf(media.schema);
      if (validate(parsed)) return undefined;
      const errors = (validate.errors ?? [])
        .map((e) => `${e.instancePath || "(body)"} ${e.message}`)
        .join("; ");
      return `${name}: the body does not match the declared schema: ${errors}`;
    },
  };
}

type RequestFn = Hono["request"];

export interface AnswerCheck {
  /** The answers that did not conform so far. */
  readonly violations: readonly string[];
  /** Throws listing every answer that did not conform. */
  assertNone(): void;
}

/**
 * Wraps `app.request` so that every answer a test gets through it is checked against the app's own
 * `/openapi.json` ({@link responseConformance}); call `assertNone()` when the tests are done.
 *
 * @example
 * const answers = checkAnswers(app);
 * afterAll(() => answers.assertNone());
 */
export function checkAnswers(app: { request: RequestFn }): AnswerCheck {
  const request = app.request.bind(app);
  const violations: string[] = [];
  let conformance: Promise<ResponseConformance> | undefined;
  app.request = async (input, init, env, executionCtx) => {
    const res = await request(input, init, env, executionCtx);
    const target = input instanceof Request ? input.url : String(input);
    const url = new URL(target, "http://localhost");
    if (url.pathname === "/openapi.json") return res;
    conformance ??= Promise.resolve(request("/openapi.json"))
      .then((r) => r.json() as Promise<ConformanceDocument>)
      .then(responseConformance);
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const violation = (await conformance).check({
      method,
      path: url.pathname,
      status: res.status,
      contentType: res.headers.get("content-type"),
      body: await res.clone().text(),
    });
    if (violation) violations.push(violation);
    return res;
  };
  return {
    violations,
    assertNone() {
      if (violations.length > 0) {
        throw new Error(`answers that differ from /openapi.json:\n${violations.join("\n")}`);
      }
    },
  };
}
