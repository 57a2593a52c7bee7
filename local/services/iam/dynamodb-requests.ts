import type { AuthorizationRequest } from "../../graph/policies";

/** Where the tables live, and each table's partition key, for `dynamodb:LeadingKeys`. */
export interface DynamoDBPlace {
    region: string;
    accountId: string;
    /** Table name → its partition key's attribute name. */
    hashKeys: ReadonlyMap<string, string>;
}

type Body = Record<string, unknown>;
type AttributeValue = Record<string, unknown>;

/** The condition keys these requests carry, for the policy compiler. */
export const DYNAMODB_CONDITION_KEYS = ["dynamodb:LeadingKeys", "dynamodb:Select", "dynamodb:ReturnValues", "dynamodb:EnclosingOperation"];

/**
 * The IAM requests one DynamoDB call makes, as the Service Authorization Reference defines them: the action
 * `dynamodb:<Operation>` on the table's ARN (an index's when the call names one); a batch or transaction makes one
 * request per table and item action (`TransactWriteItems`' Put is `dynamodb:PutItem`, its ConditionCheck
 * `dynamodb:ConditionCheckItem`, with `dynamodb:EnclosingOperation`). Every request must be allowed. An operation
 * this does not know yields `dynamodb:<Operation>` on the table, or on `*` without one.
 */
export function dynamodbRequests(operation: string, body: Body, place: DynamoDBPlace): AuthorizationRequest[] {
    const table = (name: unknown, index?: unknown) =>
        `arn:aws:dynamodb:${place.region}:${place.accountId}:table/${String(name)}${index ? `/index/${String(index)}` : ""}`;
    const leadingKeys = (tableName: unknown, item: unknown): string[] | undefined => {
        const key = place.hashKeys.get(String(tableName));
        const value = key ? ((item ?? {}) as Record<string, AttributeValue | undefined>)[key] : undefined;
        const scalar = value?.S ?? value?.N ?? value?.B;
        return scalar === undefined ? undefined : [String(scalar)];
    };
    const request = (
        action: string,
        tableName: unknown,
        context: AuthorizationRequest["context"] = {},
        index?: unknown,
    ): AuthorizationRequest => ({
        action: `dynamodb:${action}`,
        resource: tableName === undefined ? "*" : table(tableName, index),
        context,
    });
    switch (operation) {
        case "GetItem":
        case "DeleteItem":
        case "UpdateItem":
            return [
                request(operation, body.TableName, {
                    "dynamodb:LeadingKeys": leadingKeys(body.TableName, body.Key),
                    "dynamodb:ReturnValues": optionalString(body.ReturnValues),
                }),
            ];
        case "PutItem":
            return [
                request(operation, body.TableName, {
                    "dynamodb:LeadingKeys": leadingKeys(body.TableName, body.Item),
                    "dynamodb:ReturnValues": optionalString(body.ReturnValues),
                }),
            ];
        case "Query":
        case "Scan":
            return [request(operation, body.TableName, { "dynamodb:Select": optionalString(body.Select) }, body.IndexName)];
        case "BatchGetItem":
        case "BatchWriteItem":
            return Object.keys((body.RequestItems ?? {}) as Body).map((tableName) => request(operation, tableName));
        case "TransactWriteItems":
        case "TransactGetItems": {
            const items = [body.TransactItems ?? []]
                .flat()
                .filter(isObject)
                .flatMap((entry) => Object.entries(entry).filter(([, item]) => isObject(item)));
            const requests = items.map(([kind, item]) =>
                request(TRANSACT_ACTIONS[kind] ?? kind, (item as Body).TableName, {
                    "dynamodb:EnclosingOperation": operation,
                    "dynamodb:LeadingKeys": leadingKeys((item as Body).TableName, (item as Body).Key ?? (item as Body).Item),
                }),
            );
            // A transaction with no item the reference names still asks for its own action.
            return requests.length > 0 ? requests : [request(operation, undefined)];
        }
        case "ExecuteStatement":
            return [partiqlRequest(body.Statement, request)];
        case "BatchExecuteStatement":
        case "ExecuteTransaction": {
            const statements = [(operation === "ExecuteTransaction" ? body.TransactStatements : body.Statements) ?? []]
                .flat()
                .filter(isObject)
                .map((entry) => partiqlRequest(entry.Statement, request));
            return statements.length > 0 ? statements : [request(operation, undefined)];
        }
        default:
            return [request(operation, body.TableName)];
    }
}

/**
 * A PartiQL statement's request: `dynamodb:PartiQLSelect` (…Insert, …Update, …Delete) on the table, or the index a
 * `SELECT … FROM "table"."index"` reads. A statement this cannot read asks for `dynamodb:PartiQLSelect` on `*`,
 * which only a policy that allows every table allows.
 */
function partiqlRequest(
    statement: unknown,
    request: (action: string, tableName: unknown, context?: AuthorizationRequest["context"], index?: unknown) => AuthorizationRequest,
): AuthorizationRequest {
    const text = typeof statement === "string" ? statement : "";
    const verb = /^\s*(SELECT|INSERT|UPDATE|DELETE)\b/i.exec(text)?.[1]?.toUpperCase();
    const target = /(?:\bFROM|\bINTO|^\s*UPDATE)\s+("(?:[^"]|"")+"|[A-Za-z0-9_.-]+)(?:\s*\.\s*("(?:[^"]|"")+"|[A-Za-z0-9_.-]+))?/i.exec(
        text,
    );
    const unquote = (name: string | undefined) => name?.replace(/^"|"$/g, "").replace(/""/g, '"');
    const action = verb ? `PartiQL${verb[0]}${verb.slice(1).toLowerCase()}` : "PartiQLSelect";
    return request(action, verb ? unquote(target?.[1]) : undefined, {}, verb === "SELECT" ? unquote(target?.[2]) : undefined);
}

/** A transaction item's kind → the action IAM checks for it. */
const TRANSACT_ACTIONS: Record<string, string> = {
    Put: "PutItem",
    Update: "UpdateItem",
    Delete: "DeleteItem",
    ConditionCheck: "ConditionCheckItem",
    Get: "GetItem",
};

const isObject = (value: unknown): value is Body => value !== null && typeof value === "object" && !Array.isArray(value);

const optionalString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
