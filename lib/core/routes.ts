import { BASE_URIS, DYNAMIC_SEGMENTS, V2_CERT_REQUIRED, V2_GET, V2_UNSIGNED_RESPONSES } from '../generated/routes.js';
import { bare } from '../v3/response-rule.js';

const v2Get = new Set(V2_GET);
const v2CertRequired = new Set(V2_CERT_REQUIRED);
const v2Unsigned = new Set(V2_UNSIGNED_RESPONSES);

/** What the API description says of an APIv2 endpoint. */
export interface V2Traits {
  /** Its fields go in a signed query string (a GET endpoint). */
  get: boolean;
  /** It needs the merchant certificate (mutual TLS). */
  certRequired: boolean;
  /** It answers without a `sign`. */
  unsignedResponse: boolean;
}

/** What the API description says of an APIv2 endpoint (by its `v2/...` path). */
export function v2Traits(template: string): V2Traits {
  const route = bare(template);
  return { get: v2Get.has(route), certRequired: v2CertRequired.has(route), unsignedResponse: v2Unsigned.has(route) };
}

/** The host an endpoint lives on when it is not the default one (`x-base-uri`), by template. */
export function endpointBaseURI(template: string): string | undefined {
  return BASE_URIS[bare(template)];
}

/**
 * The variable segment (`{transaction_id}`) of a node whose only child is a variable, so that a property
 * there is a value (`client.v3.pay.transactions.id[orderId]`); undefined elsewhere.
 */
export function dynamicSegment(describedTemplate: string): string | undefined {
  return Object.hasOwn(DYNAMIC_SEGMENTS, describedTemplate) ? DYNAMIC_SEGMENTS[describedTemplate] : undefined;
}
