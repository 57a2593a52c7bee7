import * as pulumi from "@pulumi/pulumi";
import { InvalidArgumentError } from "./validation";

/** One IAM Allow statement; actions must be named (no `*` or `service:*`), resources scoped to ARNs. */
export interface PolicyStatement {
    /** Actions such as `dynamodb:PutItem`. */
    actions: string[];
    /** Resource ARNs the actions apply to. */
    resources: pulumi.Input<string>[];
}

/** Rejects wildcard actions and wildcard resources: every grant in this library names what it allows. */
export function requireScopedStatements(component: string, statements: readonly PolicyStatement[]): void {
    for (const statement of statements) {
        if (statement.actions.length === 0 || statement.resources.length === 0) {
            throw new InvalidArgumentError(component, "a policy statement needs at least one action and one resource.");
        }
        for (const action of statement.actions) {
            if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(action)) {
                throw new InvalidArgumentError(
                    component,
                    `policy action "${action}" is not allowed: name each action, e.g. "dynamodb:PutItem".`,
                );
            }
        }
        for (const resource of statement.resources) {
            if (resource === "*") {
                throw new InvalidArgumentError(
                    component,
                    `policy resource "*" is not allowed for ${statement.actions.join(", ")}: name the ARN.`,
                );
            }
        }
    }
}

/** Renders statements as an IAM policy document (JSON text). */
export function policyDocument(statements: readonly PolicyStatement[]): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: statements.map((s) => ({ Effect: "Allow", Action: s.actions, Resource: s.resources })),
    });
}

/** Trust policy letting one AWS service assume a role. */
export function assumeRolePolicy(servicePrincipal: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: servicePrincipal }, Action: "sts:AssumeRole" }],
    });
}
