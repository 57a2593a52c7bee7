import type { Json, RecordedResource } from "../record/record-program";
import { RESOURCE_TYPES } from "../record/resource-types";
import { compilePolicy, type CompiledPolicy } from "./policies";
import type { ResourceGraph } from "./resource-graph";

/** One function's execution role and every policy that role holds, compiled. */
export interface FunctionIdentity {
    functionName: string;
    roleArn: string;
    policies: CompiledPolicy[];
}

/** Each function's identity, and what of the graph's IAM the local evaluation does not honour, one line each. */
export interface Identities {
    byFunction: Map<string, FunctionIdentity>;
    unsupported: string[];
}

const str = (value: Json | undefined): string | undefined => (typeof value === "string" ? value : undefined);

/**
 * The policies each function's role holds, as IAM would evaluate them: `RolePolicy` resources naming the role,
 * the role's `inlinePolicies`, and the customer managed policies attached by `RolePolicyAttachment` or
 * `managedPolicyArns`. An AWS managed policy cannot be read here: it is reported, and grants nothing.
 */
export function functionIdentities(graph: ResourceGraph, supportedKeys: readonly string[]): Identities {
    const unsupported: string[] = [];
    const roles = graph.ofType(RESOURCE_TYPES.role);
    const managed = new Map(graph.ofType(RESOURCE_TYPES.policy).map((policy) => [String(policy.state.arn), policy]));
    const compile = (document: Json | undefined, source: string): CompiledPolicy[] => {
        const compiled = compilePolicy(document ?? {}, source, supportedKeys);
        unsupported.push(...compiled.unsupported.map((line) => `IAM: ${line}`));
        return [compiled.policy];
    };
    const policiesOf = (role: RecordedResource): CompiledPolicy[] => {
        const names = new Set([String(role.state.name), String(role.state.arn), role.id]);
        const inline = graph
            .ofType(RESOURCE_TYPES.rolePolicy)
            .filter((policy) => names.has(String(policy.inputs.role)))
            .flatMap((policy) => compile(policy.inputs.policy, `role policy ${policy.name}`));
        const embedded = [role.inputs.inlinePolicies ?? []]
            .flat()
            .flatMap((entry, i) => compile((entry as { policy?: Json } | null)?.policy, `role ${role.name} inline policy ${i + 1}`));
        const attachedArns = [
            ...graph
                .ofType(RESOURCE_TYPES.attachment)
                .filter((attachment) => names.has(String(attachment.inputs.role)))
                .map((attachment) => String(attachment.inputs.policyArn)),
            ...[role.inputs.managedPolicyArns ?? []].flat().map(String),
        ];
        const attached = attachedArns.flatMap((arn) => {
            const policy = managed.get(arn);
            if (policy) return compile(policy.inputs.policy, `policy ${policy.name}`);
            unsupported.push(
                `IAM: role ${role.name} attaches ${arn}, whose document the local cloud cannot read; it grants nothing locally`,
            );
            return [];
        });
        return [...inline, ...embedded, ...attached];
    };
    const byFunction = new Map<string, FunctionIdentity>();
    for (const fn of graph.ofType(RESOURCE_TYPES.function)) {
        const roleArn = str(fn.inputs.role) ?? "";
        const role = roles.find((r) => r.state.arn === roleArn || r.state.name === roleArn);
        if (!role)
            unsupported.push(
                `IAM: function ${String(fn.state.name)}'s role ${roleArn || "(none)"} is not in the program; it is allowed nothing`,
            );
        byFunction.set(String(fn.state.name), { functionName: String(fn.state.name), roleArn, policies: role ? policiesOf(role) : [] });
    }
    return { byFunction, unsupported: [...new Set(unsupported)] };
}
