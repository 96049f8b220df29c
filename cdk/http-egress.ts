import type { Flow, Topology } from '../shared/topology/index.ts';
import { ContextError, ContextKey, type DeploySettings, HttpEgress } from './context.ts';

/** The egress http outputs use: as the context says, else NAT in the sandbox (its VPC has a NAT gateway). */
export const httpEgressFor = (settings: DeploySettings): HttpEgress | undefined =>
  settings.httpEgress ?? (settings.kafka.kind === 'sandbox' ? HttpEgress.Nat : undefined);

/** The endpoint origins a flow's http outputs send to. */
export const httpEndpointsOf = (flow: Flow): string[] => [
  ...new Set(
    flow.outputs.flatMap((o) => (o.kind === 'http' && o.resources.endpoint ? [o.resources.endpoint] : [])),
  ),
];

/**
 * Flows with http outputs run in the VPC's private subnets like every flow, where nothing reaches an endpoint
 * unless the deployment provides a way: the app is told how (`sluice:http.egress`) instead of assuming a NAT
 * gateway that may not exist. Checked before any stack is built.
 */
export const checkHttpEgress = (topology: Topology, egress: HttpEgress | undefined): void => {
  if (egress !== undefined) return;
  const senders = topology.flows
    .map((flow) => [flow.name, httpEndpointsOf(flow)] as const)
    .filter(([, endpoints]) => endpoints.length > 0);
  if (senders.length === 0) return;
  const which = senders.map(([name, endpoints]) => `${name} → ${endpoints.join(', ')}`).join('; ');
  throw new ContextError(
    ContextKey.httpEgress,
    `required: flows send HTTP from private subnets (${which}); say how they reach the endpoints: ${HttpEgress.Nat} (the subnets route through a NAT gateway) or ${HttpEgress.Private} (the endpoints are inside the VPC or behind a VPC endpoint)`,
  );
};

/** What the synth output says about a flow's egress (an info annotation on its function). */
export const httpEgressNote = (flow: Flow, egress: HttpEgress): string | undefined => {
  const endpoints = httpEndpointsOf(flow);
  if (endpoints.length === 0) return undefined;
  const how =
    egress === HttpEgress.Nat
      ? "through the private subnets' NAT gateway (NAT data processing is billed per GB)"
      : 'inside the VPC (an interface endpoint, PrivateLink or peering must reach them)';
  return `flow ${flow.name} sends HTTP to ${endpoints.join(', ')} ${how}; ${ContextKey.httpEgress}=${egress}`;
};
