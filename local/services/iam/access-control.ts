import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { functionIdentities } from "../../graph/identity-policies";
import { compilePolicy, decideAll, type AuthorizationRequest, type CompiledPolicy, type Decision } from "../../graph/policies";
import { RESOURCE_TYPES } from "../../record/resource-types";
import type { ResourceGraph } from "../../graph/resource-graph";
import type { FunctionSpec } from "../../graph/specs";
import { functionCredentials } from "../credentials";
import { DYNAMODB_CONDITION_KEYS } from "./dynamodb-requests";
import { S3_CONDITION_KEYS } from "./s3-requests";

/** The global condition keys every request carries here (docs/iam.md). */
export const GLOBAL_CONDITION_KEYS = [
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalType",
    "aws:RequestedRegion",
    "aws:ResourceAccount",
    "aws:SecureTransport",
    "aws:ViaAWSService",
    "aws:CurrentTime",
    "aws:EpochTime",
    "lambda:SourceFunctionArn",
    // Set only when a service calls on a resource's behalf: a function's own call carries neither, so a statement
    // that requires one (a permission scoped by sourceArn) never matches it.
    "aws:SourceArn",
    "aws:SourceAccount",
];

/** Every condition key the local services supply; a condition on any other is reported at start (P6). */
export const SUPPORTED_CONDITION_KEYS = [...GLOBAL_CONDITION_KEYS, ...DYNAMODB_CONDITION_KEYS, ...S3_CONDITION_KEYS];

/** A function calling a local service: who it is to IAM, and what its role's policies allow. */
export interface Caller {
    functionName: string;
    functionArn: string;
    roleArn: string;
    /** `arn:aws:sts::{account}:assumed-role/{role name}/{function name}`: Lambda names the session after the function. */
    sessionArn: string;
    /** The role's and the session's ARN: what a resource policy's principal may name. */
    principals: readonly string[];
    policies: CompiledPolicy[];
}

/** Why a request was refused, for the service's own error. */
export interface Denial {
    caller: Caller;
    action: string;
    resource: string;
    /** Which policy refused it: an explicit Deny in an identity or resource policy, or no Allow in either (implicit). */
    reason: "implicit" | "identity-deny" | "resource-deny";
}

export interface AccessControlOptions {
    accountId: string;
    region: string;
    /** Where each denial is noted, naming the function, the action and the resource. */
    log?: (line: string) => void;
}

const REASONS: Record<Denial["reason"], string> = {
    implicit: "no policy allows it",
    "identity-deny": "an explicit Deny in its role",
    "resource-deny": "an explicit Deny in the resource's policy",
};

/** The resource-based policy that also decides a request (a bucket policy, a function's permissions), if any. */
export type ResourcePolicy = (request: AuthorizationRequest) => Decision;

/**
 * IAM on the local cloud (P1–P4): which function a signed request comes from, by the access key id it signs
 * with, and whether its role's policies, with the resource's own policy where the service has one, allow each
 * action the request makes. Requests signed with any other key (tests, scripts, the CLI) are the account's
 * administrator's, and are allowed.
 */
export class AccessControl {
    /** What of the graph's IAM is not evaluated locally, one line each, for the start-up report. */
    readonly unsupported: string[];
    private readonly byKey = new Map<string, Caller>();
    /** Each function's resource-based policy, by name: its `lambda.Permission`s, as Lambda keeps them. */
    private readonly functionPolicies = new Map<string, CompiledPolicy>();
    /** Each bucket's policy, by name. */
    private readonly bucketPolicies = new Map<string, CompiledPolicy>();
    /** Each queue's policy, by ARN. */
    private readonly queuePolicies = new Map<string, CompiledPolicy>();

    private constructor(
        private enforcing: boolean,
        private readonly options: AccessControlOptions,
        unsupported: string[],
    ) {
        this.unsupported = unsupported;
    }

    /** Whether calls are checked: while not, every request is allowed. */
    get enforced(): boolean {
        return this.enforcing;
    }

    /** Turns enforcement on or off while running (the policies stay compiled). */
    setEnforced(enforced: boolean): void {
        this.enforcing = enforced;
    }

    /**
     * Every function's identity in `graph`, compiled whether or not `enforced`; what is not evaluated is reported
     * only when it is.
     */
    static fromGraph(graph: ResourceGraph, options: AccessControlOptions & { enforced: boolean }): AccessControl {
        const identities = functionIdentities(graph, SUPPORTED_CONDITION_KEYS);
        const access = new AccessControl(options.enforced, options, identities.unsupported);
        for (const fn of graph.functions()) {
            const identity = identities.byFunction.get(fn.name);
            const roleArn = identity?.roleArn ?? "";
            const roleName = roleArn.split("/").pop() || "unknown-role";
            const sessionArn = `arn:aws:sts::${options.accountId}:assumed-role/${roleName}/${fn.name}`;
            access.byKey.set(functionCredentials(fn.name).accessKeyId, {
                functionName: fn.name,
                functionArn: fn.arn,
                roleArn,
                sessionArn,
                principals: [roleArn, sessionArn],
                policies: identity?.policies ?? [],
            });
        }
        access.compileResourcePolicies(graph);
        access.unsupported.splice(0, access.unsupported.length, ...(options.enforced ? new Set(access.unsupported) : []));
        return access;
    }

    /** The `lambda.Permission`s of each function as one policy, and each bucket's and queue's policy. */
    private compileResourcePolicies(graph: ResourceGraph): void {
        const compile = (document: unknown, source: string) => {
            const compiled = compilePolicy(document, source, SUPPORTED_CONDITION_KEYS);
            this.unsupported.push(...compiled.unsupported.map((line) => `IAM: ${line}`));
            return compiled.policy;
        };
        for (const fn of graph.functions()) {
            const statements = graph
                .ofType(RESOURCE_TYPES.permission)
                .filter((p) => p.inputs.function === fn.name || p.inputs.function === fn.arn)
                .map((p) => permissionStatement(p.inputs, fn.arn));
            this.functionPolicies.set(fn.name, compile({ Statement: statements }, `function ${fn.name}'s permissions`));
        }
        for (const policy of graph.ofType(RESOURCE_TYPES.bucketPolicy)) {
            this.bucketPolicies.set(String(policy.inputs.bucket), compile(policy.inputs.policy, `bucket policy ${policy.name}`));
        }
        const queueArns = new Map(graph.queues().map((queue) => [queue.url, queue.arn]));
        for (const policy of graph.ofType(RESOURCE_TYPES.queuePolicy)) {
            const arn = queueArns.get(String(policy.inputs.queueUrl));
            if (arn) this.queuePolicies.set(arn, compile(policy.inputs.policy, `queue policy ${policy.name}`));
        }
        for (const bucket of graph.ofType(RESOURCE_TYPES.bucket).filter((b) => typeof b.inputs.policy === "string")) {
            const name = String(bucket.state.bucket ?? bucket.state.id);
            if (!this.bucketPolicies.has(name))
                this.bucketPolicies.set(name, compile(bucket.inputs.policy, `bucket ${bucket.name}'s policy`));
        }
    }

    /**
     * Lambda checks, when a function's dead-letter queue or on-failure destination is set, that its execution role may
     * send there (P5), and `pulumi up` fails otherwise: one line per function whose role may not, naming the fix.
     */
    failureQueueProblems(functions: readonly FunctionSpec[]): string[] {
        if (!this.enforced) return [];
        return functions.flatMap((fn) => {
            const caller = this.byFunction(fn.name);
            if (caller === undefined) return [];
            return fn.onFailure
                .filter(({ arn }) => arn.startsWith("arn:aws:sqs:"))
                .filter(({ arn }) => this.firstDenied(caller, [{ action: "sqs:SendMessage", resource: arn }], undefined) !== undefined)
                .map(
                    ({ kind, arn }) =>
                        `Function ${fn.name}: InvalidParameterValueException: The provided execution role does not have permissions to call ` +
                        `SendMessage on SQS (its ${kind === "dead-letter-queue" ? "dead-letter queue" : "on-failure destination"} ${arn}), ` +
                        `as \`pulumi up\` would fail. Grant its role sqs:SendMessage on that queue, or start with --iam off.`,
                );
        });
    }

    private byFunction(name: string): Caller | undefined {
        return this.byKey.get(functionCredentials(name).accessKeyId);
    }

    /** A function's resource-based policy, for `reference` a name, a qualified name or an ARN. */
    functionPolicy(reference: string): ResourcePolicy | undefined {
        const name = (reference.includes(":function:") ? reference.split(":function:")[1] : reference).split(":")[0];
        const policy = this.functionPolicies.get(name);
        return policy && ((request) => policy.decide(request));
    }

    /** A queue's policy, if the program gives it one. */
    queuePolicy(arn: string): ResourcePolicy | undefined {
        const policy = this.queuePolicies.get(arn);
        return policy && ((request) => policy.decide(request));
    }

    /**
     * The bucket policies as one resource policy: each request is decided by the policy of the bucket its resource
     * names (a copy's source by its own bucket's), or by none.
     */
    bucketPolicyOf(): ResourcePolicy {
        return (request) => {
            const bucket = /^arn:aws:s3:::([^/]+)/.exec(request.resource)?.[1];
            return (bucket === undefined ? undefined : this.bucketPolicies.get(bucket))?.decide(request) ?? "ImplicitDeny";
        };
    }

    /**
     * The function that signed this request: by the access key id of its `Authorization` header (SigV4's
     * `Credential=`, or SigV2's `AWS key:signature`) or of a presigned URL (`X-Amz-Credential`, `AWSAccessKeyId`).
     * Any of them that is a function's key makes it that function's call, so a request naming two keys cannot pass
     * as the operator's.
     */
    callerOfRequest(req: IncomingMessage): Caller | undefined {
        if (!this.enforcing) return undefined;
        const at = req.url?.indexOf("?") ?? -1;
        return this.callerOf(req.headers, at < 0 ? undefined : new URLSearchParams(req.url!.slice(at + 1)));
    }

    /** As `callerOfRequest`, from a request's headers and query. */
    callerOf(headers: IncomingHttpHeaders, query?: URLSearchParams): Caller | undefined {
        if (!this.enforcing) return undefined;
        const authorization = headers.authorization;
        if (authorization) {
            CREDENTIAL.lastIndex = 0;
            for (let match = CREDENTIAL.exec(authorization); match; match = CREDENTIAL.exec(authorization)) {
                const caller = this.byKey.get(match[1]);
                if (caller) return caller;
            }
            const v2 = SIGV2.exec(authorization)?.[1];
            if (v2 !== undefined && this.byKey.has(v2)) return this.byKey.get(v2);
        }
        if (query === undefined) return undefined;
        const presigned = (query.get("X-Amz-Credential") ?? "").split("/")[0];
        return this.byKey.get(presigned) ?? this.byKey.get(query.get("AWSAccessKeyId") ?? "");
    }

    /**
     * The first of `requests` that `caller` may not make, or undefined when every one is allowed (always, for a call
     * that is not a function's). In one account an Allow in either the identity or the resource policy allows, and an
     * explicit Deny in either refuses (AWS's policy evaluation logic).
     */
    check(caller: Caller | undefined, requests: readonly AuthorizationRequest[], resourcePolicy?: ResourcePolicy): Denial | undefined {
        if (caller === undefined) return undefined;
        const denial = this.firstDenied(caller, requests, resourcePolicy);
        if (denial)
            this.options.log?.(`IAM: denied → ${caller.functionName} ${denial.action} on ${denial.resource} (${REASONS[denial.reason]})`);
        return denial;
    }

    private firstDenied(
        caller: Caller,
        requests: readonly AuthorizationRequest[],
        resourcePolicy: ResourcePolicy | undefined,
    ): Denial | undefined {
        for (const request of requests) {
            // The condition keys are gathered only when a condition reads them: most statements have none.
            let context: AuthorizationRequest["context"];
            const globalContext = () => this.globalContext(caller);
            const full: AuthorizationRequest = {
                action: request.action,
                resource: request.resource,
                principal: caller.principals,
                principalAccount: this.options.accountId,
                get context() {
                    return (context ??= { ...globalContext(), ...request.context });
                },
            };
            const identity = decideAll(caller.policies, full);
            const resource = resourcePolicy?.(full) ?? "ImplicitDeny";
            if (identity === "ExplicitDeny") return { caller, action: request.action, resource: request.resource, reason: "identity-deny" };
            if (resource === "ExplicitDeny") return { caller, action: request.action, resource: request.resource, reason: "resource-deny" };
            if (identity !== "Allow" && resource !== "Allow") {
                return { caller, action: request.action, resource: request.resource, reason: "implicit" };
            }
        }
        return undefined;
    }

    private globalContext(caller: Caller): AuthorizationRequest["context"] {
        const now = new Date();
        return {
            "aws:PrincipalArn": caller.roleArn,
            "aws:PrincipalAccount": this.options.accountId,
            "aws:PrincipalType": "AssumedRole",
            "aws:RequestedRegion": this.options.region,
            "aws:ResourceAccount": this.options.accountId,
            // On AWS the SDK calls every service over HTTPS; only the local hop is plain HTTP.
            "aws:SecureTransport": "true",
            "aws:ViaAWSService": "false",
            "aws:CurrentTime": now.toISOString(),
            "aws:EpochTime": String(Math.floor(now.getTime() / 1000)),
            // Lambda adds it to every call a function makes with its execution role's credentials.
            "lambda:SourceFunctionArn": caller.functionArn,
        };
    }
}

/**
 * A `lambda.Permission` as the statement Lambda adds to the function's policy: its principal (a service, an account
 * or an ARN), action, and `sourceArn` / `sourceAccount` as `ArnLike aws:SourceArn` / `StringEquals aws:SourceAccount`.
 */
function permissionStatement(inputs: Record<string, unknown>, functionArn: string): Record<string, unknown> {
    const principal = String(inputs.principal);
    const condition: Record<string, Record<string, string>> = {};
    if (typeof inputs.sourceArn === "string") condition.ArnLike = { "aws:SourceArn": inputs.sourceArn };
    if (typeof inputs.sourceAccount === "string") condition.StringEquals = { "aws:SourceAccount": inputs.sourceAccount };
    return {
        Effect: "Allow",
        Principal: principal === "*" ? "*" : principal.endsWith(".amazonaws.com") ? { Service: principal } : { AWS: principal },
        Action: String(inputs.action),
        Resource: functionArn,
        ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    };
}

/** `AWS4-HMAC-SHA256 Credential=ASIA…/20261202/us-east-1/dynamodb/aws4_request, SignedHeaders=…, Signature=…` */
const CREDENTIAL = /Credential=([^/,\s]+)/g;
/** `AWS AKIA…:signature` (SigV2, which s3rver still accepts). */
const SIGV2 = /^\s*AWS\s+([^:\s]+):/;

/**
 * IAM's access denied message (P4): `User: {session} is not authorized to perform: {action} on resource: {resource}`
 * and why. `shownResource` is the resource as the service prints it (S3 quotes it, API Gateway masks the account).
 */
export function deniedMessage(denial: Denial, shownResource: string = denial.resource): string {
    const why =
        denial.reason === "identity-deny"
            ? "with an explicit deny in an identity-based policy"
            : denial.reason === "resource-deny"
              ? "with an explicit deny in a resource-based policy"
              : `because no identity-based policy allows the ${denial.action} action`;
    return `User: ${denial.caller.sessionArn} is not authorized to perform: ${denial.action} on resource: ${shownResource} ${why}`;
}
