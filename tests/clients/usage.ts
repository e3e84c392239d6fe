// What an integrator's TypeScript relies on in the types openapi-typescript generates from the four
// services' documents; tests/test_generated_clients.py runs `tsc --strict --noEmit` on it.
import type { components as applications, operations } from "./applications";
import type { components as budget } from "./budget";
import type { components as catalogue } from "./catalogue";
import type { components as eligibility } from "./eligibility";

type Application = applications["schemas"]["ApplicationOut"];

// Fields always present in an answer are required in its type.
export function describe(application: Application): string {
  const reference: string | null = application.reference;
  return `${application.id} ${application.status} ${reference ?? "draft"} v${application.version}`;
}

// Terminating requires a reason; closing does not.
export const terminate: applications["schemas"]["TerminateRequest"] = { reason: "The lead partner went bankrupt." };
// @ts-expect-error the reason is required to terminate
export const terminateWithoutReason: applications["schemas"]["TerminateRequest"] = {};
export const close: applications["schemas"]["EndRequest"] = {};

// Decimals are strings, never numbers: rates, amounts, shares.
export const rate: budget["schemas"]["ExchangeRateIn"] = { units_per_eur: "11.2345" };
// @ts-expect-error a rate is a decimal string
export const rateAsNumber: budget["schemas"]["ExchangeRateIn"] = { units_per_eur: 11.2345 };
export const amount: budget["schemas"]["Money"] = { amount: "43800000.00", currency: "EUR" };
export const share: catalogue["schemas"]["Priority"]["share"] = "0.42";

// A 201 names what it created.
export type Created = operations["createApplication"]["responses"][201]["headers"]["Location"];
export const location: Created = "/v1/applications/0b9e7c1e-5d0e-4f57-9a4f-2f4d8f0d2f11";

// The eligibility report as the contract names it.
export function failed(report: eligibility["schemas"]["Report"]): string[] {
  return report.results.filter((r) => !r.passed).map((r) => r.rule);
}
