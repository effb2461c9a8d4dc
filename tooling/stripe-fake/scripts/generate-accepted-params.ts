/**
 * Writes `src/accepted-params.generated.ts`: for every endpoint the fake serves, the tree of parameter
 * names Stripe documents, read from the installed `stripe` SDK's own `XxxParams` types. Run it again
 * after upgrading `stripe` (`pnpm --filter @org/stripe-fake generate:params`, which also formats it).
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** Endpoint (`METHOD /route/:pattern`) -> the SDK type of its parameters. */
const ENDPOINTS: Record<string, string> = {
  "POST /v1/customers": "CustomerCreateParams",
  "GET /v1/customers": "CustomerListParams",
  "GET /v1/customers/search": "CustomerSearchParams",
  "GET /v1/customers/:id": "CustomerRetrieveParams",
  "POST /v1/customers/:id": "CustomerUpdateParams",
  "DELETE /v1/customers/:id": "CustomerDeleteParams",
  "GET /v1/customers/:id/payment_methods": "CustomerListPaymentMethodsParams",
  "POST /v1/customers/:id/sources": "CustomerCreateSourceParams",
  "GET /v1/customers/:id/sources": "CustomerListSourcesParams",
  "POST /v1/products": "ProductCreateParams",
  "GET /v1/products": "ProductListParams",
  "GET /v1/products/search": "ProductSearchParams",
  "GET /v1/products/:id": "ProductRetrieveParams",
  "POST /v1/products/:id": "ProductUpdateParams",
  "DELETE /v1/products/:id": "ProductDeleteParams",
  "POST /v1/prices": "PriceCreateParams",
  "GET /v1/prices": "PriceListParams",
  "GET /v1/prices/search": "PriceSearchParams",
  "GET /v1/prices/:id": "PriceRetrieveParams",
  "POST /v1/prices/:id": "PriceUpdateParams",
  "POST /v1/plans": "PlanCreateParams",
  "GET /v1/plans": "PlanListParams",
  "GET /v1/plans/:id": "PlanRetrieveParams",
  "DELETE /v1/plans/:id": "PlanDeleteParams",
  "POST /v1/payment_methods": "PaymentMethodCreateParams",
  "GET /v1/payment_methods": "PaymentMethodListParams",
  "GET /v1/payment_methods/:id": "PaymentMethodRetrieveParams",
  "POST /v1/payment_methods/:id/attach": "PaymentMethodAttachParams",
  "POST /v1/payment_methods/:id/detach": "PaymentMethodDetachParams",
  "POST /v1/checkout/sessions": "Checkout.SessionCreateParams",
  "GET /v1/checkout/sessions": "Checkout.SessionListParams",
  "GET /v1/checkout/sessions/:id": "Checkout.SessionRetrieveParams",
  "POST /v1/checkout/sessions/:id/expire": "Checkout.SessionExpireParams",
  "GET /v1/checkout/sessions/:id/line_items": "Checkout.SessionListLineItemsParams",
  "POST /v1/billing_portal/sessions": "BillingPortal.SessionCreateParams",
  "POST /v1/subscriptions": "SubscriptionCreateParams",
  "GET /v1/subscriptions": "SubscriptionListParams",
  "GET /v1/subscriptions/search": "SubscriptionSearchParams",
  "GET /v1/subscriptions/:id": "SubscriptionRetrieveParams",
  "POST /v1/subscriptions/:id": "SubscriptionUpdateParams",
  "DELETE /v1/subscriptions/:id": "SubscriptionCancelParams",
  "POST /v1/subscriptions/:id/resume": "SubscriptionResumeParams",
  "GET /v1/subscription_items": "SubscriptionItemListParams",
  "GET /v1/subscription_items/:id": "SubscriptionItemRetrieveParams",
  "POST /v1/subscription_schedules": "SubscriptionScheduleCreateParams",
  "GET /v1/subscription_schedules": "SubscriptionScheduleListParams",
  "GET /v1/subscription_schedules/:id": "SubscriptionScheduleRetrieveParams",
  "POST /v1/subscription_schedules/:id": "SubscriptionScheduleUpdateParams",
  "POST /v1/subscription_schedules/:id/cancel": "SubscriptionScheduleCancelParams",
  "POST /v1/subscription_schedules/:id/release": "SubscriptionScheduleReleaseParams",
  "POST /v1/invoices": "InvoiceCreateParams",
  "GET /v1/invoices": "InvoiceListParams",
  "GET /v1/invoices/search": "InvoiceSearchParams",
  "POST /v1/invoices/create_preview": "InvoiceCreatePreviewParams",
  "GET /v1/invoices/:id": "InvoiceRetrieveParams",
  "POST /v1/invoices/:id": "InvoiceUpdateParams",
  "DELETE /v1/invoices/:id": "InvoiceDeleteParams",
  "GET /v1/invoices/:id/lines": "InvoiceListLineItemsParams",
  "POST /v1/invoices/:id/finalize": "InvoiceFinalizeInvoiceParams",
  "POST /v1/invoices/:id/pay": "InvoicePayParams",
  "POST /v1/invoices/:id/send": "InvoiceSendInvoiceParams",
  "POST /v1/invoices/:id/void": "InvoiceVoidInvoiceParams",
  "POST /v1/invoices/:id/mark_uncollectible": "InvoiceMarkUncollectibleParams",
  "POST /v1/invoiceitems": "InvoiceItemCreateParams",
  "GET /v1/invoiceitems": "InvoiceItemListParams",
  "GET /v1/invoiceitems/:id": "InvoiceItemRetrieveParams",
  "DELETE /v1/invoiceitems/:id": "InvoiceItemDeleteParams",
  "POST /v1/billing/meters": "Billing.MeterCreateParams",
  "GET /v1/billing/meters": "Billing.MeterListParams",
  "GET /v1/billing/meters/:id": "Billing.MeterRetrieveParams",
  "GET /v1/billing/meters/:id/event_summaries": "Billing.MeterListEventSummariesParams",
  "POST /v1/billing/meter_events": "Billing.MeterEventCreateParams",
  "GET /v1/events": "EventListParams",
  "GET /v1/events/:id": "EventRetrieveParams",
  "POST /v1/test_helpers/test_clocks": "TestHelpers.TestClockCreateParams",
  "GET /v1/test_helpers/test_clocks": "TestHelpers.TestClockListParams",
  "GET /v1/test_helpers/test_clocks/:id": "TestHelpers.TestClockRetrieveParams",
  "DELETE /v1/test_helpers/test_clocks/:id": "TestHelpers.TestClockDeleteParams",
  "POST /v1/test_helpers/test_clocks/:id/advance": "TestHelpers.TestClockAdvanceParams",
};

type Shape = true | { [key: string]: Shape };

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const inputName = join(root, "src", "__accepted_params_input__.ts");
const input = `import type Stripe from "stripe";\n${Object.values(ENDPOINTS)
  .map((name, i) => `export type T${i} = Stripe.${name};`)
  .join("\n")}\n`;

const options: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
};
const host = ts.createCompilerHost(options);
const readFile = host.readFile.bind(host);
const fileExists = host.fileExists.bind(host);
const getSourceFile = host.getSourceFile.bind(host);
host.readFile = (f) => (f === inputName ? input : readFile(f));
host.fileExists = (f) => f === inputName || fileExists(f);
host.getSourceFile = (f, v, ...rest) =>
  f === inputName ? ts.createSourceFile(f, input, v) : getSourceFile(f, v, ...rest);
const program = ts.createProgram([inputName], options, host);
const diagnostics = ts.getPreEmitDiagnostics(program);
if (diagnostics.length > 0) {
  throw new Error(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
}
const checker = program.getTypeChecker();
const source = program.getSourceFile(inputName) as ts.SourceFile;

const isHash = (type: ts.Type): boolean =>
  (type.flags & ts.TypeFlags.Object) !== 0 &&
  !checker.isArrayType(type) &&
  type.getCallSignatures().length === 0;

// A parameter's value: a hash of known keys (checked), a free-form hash (`metadata`), an array (each
// element's shape), or a scalar. Unions merge the keys of their hash members (`Emptyable<X>` is `X | ''`).
const shapeOf = (type: ts.Type, seen: Set<ts.Type>): Shape => {
  const members = type.isUnion() ? type.types : [type];
  const keys: Record<string, Shape> = {};
  let hashes = 0;
  for (const member of members) {
    const target = checker.isArrayType(member)
      ? (checker.getTypeArguments(member as ts.TypeReference)[0] as ts.Type)
      : member;
    if (target.isUnion()) {
      const inner = shapeOf(target, seen);
      if (inner === true) return true;
      Object.assign(keys, inner);
      hashes++;
      continue;
    }
    if (!isHash(target)) continue;
    if (checker.getIndexInfosOfType(target).length > 0 || seen.has(target)) return true;
    hashes++;
    const next = new Set(seen).add(target);
    for (const property of checker.getPropertiesOfType(target)) {
      const propertyType = checker.getTypeOfSymbol(property);
      keys[property.name] = shapeOf(checker.getNonNullableType(propertyType), next);
    }
  }
  return hashes === 0 ? true : keys;
};

const out: Record<string, Shape> = {};
const names = Object.keys(ENDPOINTS);
source.forEachChild((node) => {
  if (!ts.isTypeAliasDeclaration(node)) return;
  const index = Number(node.name.text.slice(1));
  out[names[index] as string] = shapeOf(checker.getTypeAtLocation(node), new Set());
});

const version = (
  JSON.parse(readFile(join(root, "node_modules", "stripe", "package.json")) ?? "{}") as {
    version: string;
  }
).version;
const body = `/**
 * @module Generated by scripts/generate-accepted-params.ts from stripe@${version}'s parameter types: do not edit.
 * For each endpoint, the parameters Stripe documents: \`true\` accepts any value (scalars, free-form
 * hashes such as \`metadata\`), a hash lists the keys it accepts (arrays: each element's keys).
 */
import type { ParamShape } from "./accepted-params.js";

export const GENERATED_ACCEPTED_PARAMS: Record<string, ParamShape> = ${JSON.stringify(out)};
`;
writeFileSync(join(root, "src", "accepted-params.generated.ts"), body);
console.log(`accepted params of ${names.length} endpoints written (stripe@${version})`);
