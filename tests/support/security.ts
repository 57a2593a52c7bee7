import { expect } from "chai";
import { ResourceGraph } from "../../local/graph/resource-graph";
import { RESOURCE_TYPES } from "../../local/record/resource-types";
import { leastPrivilegeFindings } from "../../testing";
import { archiveSummary } from "./archives";

/** Checks of docs/security-checklist.md that hold for any graph this library builds. Ids cite the list. */

interface Statement {
    Effect: string;
    Action: string | string[];
    Resource: string | string[];
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

export function policyStatements(graph: ResourceGraph): { owner: string; statement: Statement }[] {
    return [...graph.ofType(RESOURCE_TYPES.rolePolicy), ...graph.ofType(RESOURCE_TYPES.policy)].flatMap((resource) => {
        const document = JSON.parse(String(resource.inputs.policy)) as { Statement: Statement[] };
        return document.Statement.map((statement) => ({ owner: `${resource.type} ${resource.name}`, statement }));
    });
}

/**
 * I1, I2, I3, L1, L3 as the package's `./testing` checks them for any graph, and this project's stricter forms: not
 * one `*` resource, even in a Deny, at least one statement to check, and no policy attachment at all (I3: inline
 * RolePolicy only).
 */
export function expectLeastPrivilege(graph: ResourceGraph): void {
    expect(leastPrivilegeFindings(graph)).to.deep.equal([]);
    expect(
        graph.ofType(RESOURCE_TYPES.attachment).map((a) => `${a.name}: ${String(a.inputs.policyArn)}`),
        "policy attachments",
    ).to.deep.equal([]);
    const statements = policyStatements(graph);
    expect(statements, "policy statements").to.not.be.empty;
    for (const { owner, statement } of statements) {
        for (const resource of list(statement.Resource)) expect(resource, `${owner} resource`).to.not.equal("*");
    }
}

/** L2, L3, I4 (logging): explicit Node.js runtime, own role, own log group with retention, logs to it only. */
export function expectFunctionsIsolated(graph: ResourceGraph, expectedRuntime = "nodejs22.x"): void {
    const functions = graph.ofType(RESOURCE_TYPES.function);
    expect(functions, "functions").to.not.be.empty;
    const roles = new Set<string>();
    for (const fn of functions) {
        expect(fn.inputs.runtime, `${fn.name} runtime`).to.equal(expectedRuntime);
        const roleArn = String(fn.inputs.role);
        expect(roles.has(roleArn), `${fn.name} shares its role`).to.equal(false);
        roles.add(roleArn);

        const logGroupName = (fn.inputs.loggingConfig as { logGroup?: string } | null)?.logGroup;
        const logGroup = graph.withState(RESOURCE_TYPES.logGroup, "name", logGroupName);
        expect(logGroup.inputs.retentionInDays, `${fn.name} log retention`).to.be.a("number").and.above(0);

        const role = graph.withState(RESOURCE_TYPES.role, "arn", roleArn);
        const rolePolicies = graph.ofType(RESOURCE_TYPES.rolePolicy).filter((p) => p.inputs.role === role.state.name);
        expect(rolePolicies, `${fn.name} role policies`).to.not.be.empty;
        const statements = rolePolicies.flatMap((p) => (JSON.parse(String(p.inputs.policy)) as { Statement: Statement[] }).Statement);
        const logStatements = statements.filter((s) => list(s.Action).some((a) => a.startsWith("logs:")));
        expect(
            logStatements.flatMap((s) => list(s.Resource)),
            `${fn.name} log grants`,
        ).to.deep.equal([`${String(logGroup.state.arn)}:*`]);
        expect(
            rolePolicies.some((p) => fn.dependencies.includes(p.urn)),
            `${fn.name} waits for its role policy`,
        ).to.equal(true);
        const trust = JSON.parse(String(role.inputs.assumeRolePolicy)) as { Statement: { Principal: { Service: string } }[] };
        expect(trust.Statement.map((s) => s.Principal.Service)).to.deep.equal(["lambda.amazonaws.com"]);
    }
}

/** L1: every permission names the one API stage route (or bucket) that may invoke the function. */
export function expectPermissionsScoped(graph: ResourceGraph): void {
    const permissions = graph.ofType(RESOURCE_TYPES.permission);
    expect(permissions, "permissions").to.not.be.empty;
    for (const permission of permissions) {
        expect(permission.inputs.sourceArn, `${permission.name} sourceArn`).to.be.a("string").and.not.match(/\*/);
        if (permission.inputs.principal === "s3.amazonaws.com") {
            expect(permission.inputs.sourceAccount, `${permission.name} sourceAccount`).to.be.a("string");
        }
    }
}

/** A1, A2, A4: JSON access logs with retention, execution logging set, throttling set, CloudWatch role present. */
export function expectStagesHardened(graph: ResourceGraph): void {
    const stages = graph.ofType(RESOURCE_TYPES.stage);
    expect(stages, "stages").to.not.be.empty;
    for (const stage of stages) {
        const access = stage.inputs.accessLogSettings as { destinationArn: string; format: string } | null;
        expect(access, `${stage.name} access logs`).to.not.equal(null);
        const format = JSON.parse(access!.format) as Record<string, string>;
        expect(format.requestId).to.equal("$context.requestId");
        expect(graph.withState(RESOURCE_TYPES.logGroup, "arn", access!.destinationArn).inputs.retentionInDays).to.be.above(0);
        const routeSettings = stage.inputs.defaultRouteSettings as Record<string, unknown>;
        expect(routeSettings.loggingLevel).to.be.oneOf(["ERROR", "INFO"]);
        expect(routeSettings.dataTraceEnabled).to.equal(false);
        expect(routeSettings.throttlingBurstLimit).to.be.a("number");
        expect(routeSettings.throttlingRateLimit).to.be.a("number");
    }
    expect(graph.ofType(RESOURCE_TYPES.account).length, "API Gateway account CloudWatch role").to.be.at.least(1);
}

/** Statements of the one role policy of the function named `functionName` (logical name). */
export function functionGrants(graph: ResourceGraph, functionName: string): { actions: string[]; resources: string[] }[] {
    const fn = graph.one(RESOURCE_TYPES.function, functionName);
    const role = graph.withState(RESOURCE_TYPES.role, "arn", fn.inputs.role);
    const policies = graph.ofType(RESOURCE_TYPES.rolePolicy).filter((p) => p.inputs.role === role.state.name);
    return policies
        .flatMap((p) => (JSON.parse(String(p.inputs.policy)) as { Statement: Statement[] }).Statement)
        .map((s) => ({
            actions: list(s.Action),
            resources: list(s.Resource),
        }));
}

/** S1–S3 (and S4 when `versioned`): every created bucket is private, TLS-only and encrypted. */
export function expectBucketsHardened(graph: ResourceGraph, versioned = true): void {
    const buckets = graph.ofType(RESOURCE_TYPES.bucket);
    for (const bucket of buckets) {
        const of = (type: string) => graph.ofType(type).filter((r) => r.inputs.bucket === bucket.id);
        const [block] = of(RESOURCE_TYPES.publicAccessBlock);
        expect(block?.inputs, `${bucket.name} public access block`).to.deep.include({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        const [policy] = of(RESOURCE_TYPES.bucketPolicy);
        const statement = (JSON.parse(String(policy.inputs.policy)) as { Statement: Record<string, unknown>[] }).Statement[0];
        expect(statement).to.deep.include({ Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
        expect(statement.Resource).to.deep.equal([bucket.state.arn, `${String(bucket.state.arn)}/*`]);
        expect(policy.dependencies, "policy after the public access block").to.include(block.urn);
        const [encryption] = of(RESOURCE_TYPES.bucketEncryption);
        expect(JSON.stringify(encryption.inputs.rules)).to.include("AES256");
        expect((of(RESOURCE_TYPES.bucketVersioning)[0].inputs.versioningConfiguration as { status: string }).status).to.equal(
            versioned ? "Enabled" : "Suspended",
        );
    }
}

/** A BroadcastWebSocket's own route keys without uploads, sorted: the connection routes, `$default` and the channel protocol's. */
export const BROADCAST_ROUTE_KEYS = ["$connect", "$default", "$disconnect", "ping", "subscribe", "unsubscribe"];

/** D1, D3, D4 (D2 depends on the stack): on-demand, encrypted, TTL on the expiry attribute; the two schemas. */
export function expectTablesHardened(graph: ResourceGraph): void {
    const tables = graph.ofType(RESOURCE_TYPES.table);
    expect(tables, "tables").to.not.be.empty;
    for (const table of tables) {
        const keys = table.name.endsWith("-subscriptions") ? { hashKey: "channelKey", rangeKey: "slot" } : { hashKey: "connectionId" };
        expect(table.inputs).to.deep.include({ billingMode: "PAY_PER_REQUEST", ...keys });
        expect(table.inputs.serverSideEncryption).to.deep.include({ enabled: true });
        expect(table.inputs.ttl).to.deep.equal({ attributeName: "expiresAt", enabled: true });
        expect(table.inputs.deletionProtectionEnabled).to.be.a("boolean");
    }
}

/** S5, L1 (S3), L4: one notification per bucket after its permission; async retries end in a queue. */
export function expectNotificationsWired(graph: ResourceGraph): void {
    const notifications = graph.ofType(RESOURCE_TYPES.notification);
    const buckets = notifications.map((n) => n.inputs.bucket);
    expect(new Set(buckets).size, "one notification per bucket").to.equal(buckets.length);
    for (const notification of notifications) {
        for (const target of notification.inputs.lambdaFunctions as { lambdaFunctionArn: string }[]) {
            const fn = graph.withState(RESOURCE_TYPES.function, "arn", target.lambdaFunctionArn);
            const permission = graph
                .ofType(RESOURCE_TYPES.permission)
                .find((p) => p.inputs.function === fn.state.name && p.inputs.principal === "s3.amazonaws.com");
            expect(permission, `S3 permission for ${fn.name}`).to.not.equal(undefined);
            expect(permission!.inputs.sourceArn).to.equal(`arn:aws:s3:::${String(notification.inputs.bucket)}`);
            expect(permission!.inputs.sourceAccount).to.equal("000000000000");
            expect(notification.dependencies, "notification after the permission").to.include(permission!.urn);
            const invokeConfig = graph.ofType(RESOURCE_TYPES.invokeConfig).find((c) => c.inputs.functionName === fn.state.name);
            expect(invokeConfig?.inputs.maximumRetryAttempts, `${fn.name} async retries`).to.equal(2);
            const destination = (invokeConfig!.inputs.destinationConfig as { onFailure: { destination: string } }).onFailure.destination;
            const queue = graph.withState(RESOURCE_TYPES.queue, "arn", destination);
            expect(queue.inputs.sqsManagedSseEnabled).to.equal(true);
            expect(functionGrants(graph, fn.name)).to.deep.include({ actions: ["sqs:SendMessage"], resources: [destination] });
        }
    }
}

/** Every checklist item that applies to the resources the graph has. */
export function expectSecureStack(graph: ResourceGraph): void {
    expectLeastPrivilege(graph);
    expectFunctionsIsolated(graph);
    expectPermissionsScoped(graph);
    expectStagesHardened(graph);
    if (graph.ofType(RESOURCE_TYPES.bucket).length > 0) expectBucketsHardened(graph);
    if (graph.ofType(RESOURCE_TYPES.table).length > 0) expectTablesHardened(graph);
    if (graph.ofType(RESOURCE_TYPES.notification).length > 0) expectNotificationsWired(graph);
}

/** Each function's archive is our serialized code only (`__index.js`), under 32 KB. */
export function expectArchivesHoldOurCodeOnly(graph: ResourceGraph): void {
    const functions = graph.ofType(RESOURCE_TYPES.function);
    expect(functions, "functions").to.not.be.empty;
    for (const fn of functions) {
        const { entries, bytes } = archiveSummary(fn);
        expect(entries, fn.name).to.deep.equal(["__index.js"]);
        expect(bytes, fn.name).to.be.at.most(32 * 1024);
    }
}
