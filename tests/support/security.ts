import { expect } from "chai";
import { Graph, TYPES } from "./graph";

/** Checks of ../shared/security-checklist.md that hold for any graph this library builds. Ids cite the list. */

interface Statement {
    Effect: string;
    Action: string | string[];
    Resource: string | string[];
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

export function policyStatements(graph: Graph): { owner: string; statement: Statement }[] {
    return [...graph.ofType(TYPES.rolePolicy), ...graph.ofType(TYPES.policy)].flatMap((resource) => {
        const document = JSON.parse(String(resource.inputs.policy)) as { Statement: Statement[] };
        return document.Statement.map((statement) => ({ owner: `${resource.type} ${resource.name}`, statement }));
    });
}

/** I1: no `*` or `service:*` action, no `*` resource. */
export function expectNoWildcards(graph: Graph): void {
    const statements = policyStatements(graph);
    expect(statements, "policy statements").to.not.be.empty;
    for (const { owner, statement } of statements) {
        for (const action of list(statement.Action)) {
            expect(action, `${owner} action`).to.not.equal("*");
            expect(action, `${owner} action`).to.not.match(/:\*$/);
        }
        for (const resource of list(statement.Resource)) {
            expect(resource, `${owner} resource`).to.not.equal("*");
        }
    }
}

/** I2 and I3: no AWS-managed FullAccess/PowerUser attachment; inline RolePolicy only. */
export function expectNoManagedPolicies(graph: Graph): void {
    for (const attachment of graph.ofType(TYPES.attachment)) {
        expect(String(attachment.inputs.policyArn), attachment.name).to.not.match(/FullAccess|PowerUser/);
    }
    expect(graph.ofType(TYPES.attachment), "role policy attachments").to.have.length(0);
    for (const role of graph.ofType(TYPES.role)) {
        expect(role.inputs.managedPolicyArns ?? [], `${role.name} managedPolicyArns`).to.deep.equal([]);
        expect(role.inputs.inlinePolicies ?? [], `${role.name} inlinePolicies`).to.deep.equal([]);
    }
}

/** L2, L3, I4 (logging): explicit Node.js runtime, own role, own log group with retention, logs to it only. */
export function expectFunctionsIsolated(graph: Graph, expectedRuntime = "nodejs22.x"): void {
    const functions = graph.ofType(TYPES.function);
    expect(functions, "functions").to.not.be.empty;
    const roles = new Set<string>();
    for (const fn of functions) {
        expect(fn.inputs.runtime, `${fn.name} runtime`).to.equal(expectedRuntime);
        const roleArn = String(fn.inputs.role);
        expect(roles.has(roleArn), `${fn.name} shares its role`).to.equal(false);
        roles.add(roleArn);

        const logGroupName = (fn.inputs.loggingConfig as { logGroup?: string } | null)?.logGroup;
        const logGroup = graph.withState(TYPES.logGroup, "name", logGroupName);
        expect(logGroup.inputs.retentionInDays, `${fn.name} log retention`).to.be.a("number").and.above(0);

        const role = graph.withState(TYPES.role, "arn", roleArn);
        const rolePolicies = graph.ofType(TYPES.rolePolicy).filter((p) => p.inputs.role === role.state.name);
        expect(rolePolicies, `${fn.name} role policies`).to.have.length(1);
        const statements = (JSON.parse(String(rolePolicies[0].inputs.policy)) as { Statement: Statement[] }).Statement;
        const logStatements = statements.filter((s) => list(s.Action).some((a) => a.startsWith("logs:")));
        expect(logStatements.flatMap((s) => list(s.Resource)), `${fn.name} log grants`).to.deep.equal([`${String(logGroup.state.arn)}:*`]);
        expect(fn.dependencies, `${fn.name} waits for its role policy`).to.include(rolePolicies[0].urn);
        const trust = JSON.parse(String(role.inputs.assumeRolePolicy)) as { Statement: { Principal: { Service: string } }[] };
        expect(trust.Statement.map((s) => s.Principal.Service)).to.deep.equal(["lambda.amazonaws.com"]);
    }
}

/** L1: every permission names the one API stage route (or bucket) that may invoke the function. */
export function expectPermissionsScoped(graph: Graph): void {
    const permissions = graph.ofType(TYPES.permission);
    expect(permissions, "permissions").to.not.be.empty;
    for (const permission of permissions) {
        expect(permission.inputs.sourceArn, `${permission.name} sourceArn`).to.be.a("string").and.not.match(/\*/);
        if (permission.inputs.principal === "s3.amazonaws.com") {
            expect(permission.inputs.sourceAccount, `${permission.name} sourceAccount`).to.be.a("string");
        }
    }
}

/** A1, A2, A4: JSON access logs with retention, execution logging set, throttling set, CloudWatch role present. */
export function expectStagesHardened(graph: Graph): void {
    const stages = graph.ofType(TYPES.stage);
    expect(stages, "stages").to.not.be.empty;
    for (const stage of stages) {
        const access = stage.inputs.accessLogSettings as { destinationArn: string; format: string } | null;
        expect(access, `${stage.name} access logs`).to.not.equal(null);
        const format = JSON.parse(access!.format) as Record<string, string>;
        expect(format.requestId).to.equal("$context.requestId");
        expect(graph.withState(TYPES.logGroup, "arn", access!.destinationArn).inputs.retentionInDays).to.be.above(0);
        const routeSettings = stage.inputs.defaultRouteSettings as Record<string, unknown>;
        expect(routeSettings.loggingLevel).to.be.oneOf(["ERROR", "INFO"]);
        expect(routeSettings.dataTraceEnabled).to.equal(false);
        expect(routeSettings.throttlingBurstLimit).to.be.a("number");
        expect(routeSettings.throttlingRateLimit).to.be.a("number");
    }
    expect(graph.ofType(TYPES.account).length, "API Gateway account CloudWatch role").to.be.at.least(1);
}
